module sluice.io/cni

go 1.24
