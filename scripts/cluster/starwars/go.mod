module sluice.io/starwars

go 1.24
