// Command starwars serves the lab's Star Wars applications in the test cluster's images:
//
//	starwars deathstar   the Death Star API on :80 (image docker.io/cilium/starwars):
//	                     POST /v1/request-landing -> "Ship landed", PUT /v1/exhaust-port -> the panic,
//	                     GET /v1/ -> JSON with the pod's hostname
//	starwars json-mock   a JSON answer on :80 for any GET (image quay.io/cilium/json-mock), the
//	                     process the tiefighter and xwing pods keep running
//
// As a container's first process it exits on SIGTERM, so pods stop at once.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

const panicText = `Panic: deathstar exploded

goroutine 1 [running]:
main.HandleGarbage(0x2080c3f50, 0x2, 0x4, 0x425c0, 0x5, 0xa)
        /code/src/github.com/empire/deathstar/
        temp/main.go:9 +0x64
main.main()
        /code/src/github.com/empire/deathstar/
        temp/main.go:5 +0x85
`

func main() {
	role := "deathstar"
	if len(os.Args) > 1 {
		role = os.Args[1]
	}
	host, _ := os.Hostname()
	mux := http.NewServeMux()
	switch role {
	case "deathstar":
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Served-By", host)
			switch {
			case r.Method == http.MethodPost && r.URL.Path == "/v1/request-landing":
				fmt.Fprintln(w, "Ship landed")
			case r.Method == http.MethodPut && r.URL.Path == "/v1/exhaust-port":
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, panicText)
			case r.Method == http.MethodGet && (r.URL.Path == "/v1/" || r.URL.Path == "/v1" || r.URL.Path == "/"):
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]string{"name": "Death Star", "model": "DS-1 Orbital Battle Station",
					"hostname": host})
			default:
				http.NotFound(w, r)
			}
		})
	case "json-mock":
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"hostname": host, "path": r.URL.Path})
		})
	default:
		fmt.Fprintln(os.Stderr, "usage: starwars deathstar|json-mock")
		os.Exit(2)
	}
	fmt.Println(role, host, "listening on :80")
	if err := http.ListenAndServe(":80", mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
