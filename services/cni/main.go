// Command sluice-cni is Sluice's chained CNI plugin: listed after the cluster's own plugin (ptp or
// bridge with host-local IPAM), it hands the node's agent each pod's host-side interface and
// address on ADD and forgets the sandbox on DEL. ADD answers only once the agent enforces the pod,
// so none of the pod's containers starts unguarded; when the agent cannot enforce it, ADD fails
// with the agent's reason and the kubelet retries the sandbox.
//
// Network configuration (in the conflist, after the main plugin):
//
//	{"type": "sluice-cni", "socket": "/var/lib/sluice/api.sock"}
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const defaultSocket = "/var/lib/sluice/api.sock"

var supported = []string{"0.3.0", "0.3.1", "0.4.0", "1.0.0"}

type netConf struct {
	CNIVersion string          `json:"cniVersion"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Socket     string          `json:"socket"`
	PrevResult json.RawMessage `json:"prevResult"`
}

type result struct {
	Interfaces []struct {
		Name    string `json:"name"`
		Sandbox string `json:"sandbox"`
	} `json:"interfaces"`
	IPs []struct {
		Version   string `json:"version"`
		Interface *int   `json:"interface"`
		Address   string `json:"address"`
	} `json:"ips"`
}

// cniError is the CNI specification's error answer; code 11 asks the runtime to try again later.
type cniError struct {
	CNIVersion string `json:"cniVersion"`
	Code       int    `json:"code"`
	Msg        string `json:"msg"`
	Details    string `json:"details,omitempty"`
}

func main() {
	version := "0.4.0"
	fail := func(code int, msg string, details string) {
		json.NewEncoder(os.Stdout).Encode(cniError{CNIVersion: version, Code: code, Msg: msg, Details: details})
		os.Exit(1)
	}
	command := os.Getenv("CNI_COMMAND")
	if command == "VERSION" {
		json.NewEncoder(os.Stdout).Encode(map[string]any{"cniVersion": "1.0.0", "supportedVersions": supported})
		return
	}
	stdin, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(4, "sluice-cni: cannot read the network configuration", err.Error())
	}
	var conf netConf
	if err := json.Unmarshal(stdin, &conf); err != nil {
		fail(6, "sluice-cni: network configuration is not JSON", err.Error())
	}
	if conf.CNIVersion != "" {
		version = conf.CNIVersion
	}
	if conf.Socket == "" {
		conf.Socket = defaultSocket
	}
	args := cniArgs(os.Getenv("CNI_ARGS"))
	switch command {
	case "ADD":
		if len(conf.PrevResult) == 0 {
			fail(7, "sluice-cni: no prevResult; list sluice-cni after the plugin that makes the pod's network", "")
		}
		var prev result
		if err := json.Unmarshal(conf.PrevResult, &prev); err != nil {
			fail(6, "sluice-cni: prevResult is not a CNI result", err.Error())
		}
		host, address := hostSide(prev)
		if host == "" || address == "" {
			fail(7, "sluice-cni: the previous plugin reported no host interface or no IPv4 address", string(conf.PrevResult))
		}
		body := map[string]string{"containerId": os.Getenv("CNI_CONTAINERID"), "namespace": args["K8S_POD_NAMESPACE"],
			"name": args["K8S_POD_NAME"], "address": address, "hostInterface": host}
		if body["namespace"] == "" || body["name"] == "" {
			fail(7, "sluice-cni: CNI_ARGS has no K8S_POD_NAMESPACE and K8S_POD_NAME", os.Getenv("CNI_ARGS"))
		}
		if err := post(conf.Socket, "/v1/cni/add", body, 60*time.Second); err != nil {
			fail(11, "sluice-cni: pod "+body["namespace"]+"/"+body["name"]+" is not enforced: "+err.Error(), "")
		}
		// A chained plugin passes the previous result on unchanged.
		var out map[string]any
		json.Unmarshal(conf.PrevResult, &out)
		out["cniVersion"] = version
		json.NewEncoder(os.Stdout).Encode(out)
	case "DEL":
		// DEL must succeed even when the agent is away: the sandbox goes, and the agent forgets
		// the pod when its object goes.
		if err := post(conf.Socket, "/v1/cni/del", map[string]string{"containerId": os.Getenv("CNI_CONTAINERID")}, 10*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "sluice-cni: del:", err)
		}
	case "CHECK", "GC", "STATUS":
	default:
		fail(4, "sluice-cni: unknown CNI_COMMAND '"+command+"'", "")
	}
}

func cniArgs(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

// hostSide is the interface outside any sandbox and the first IPv4 address (without its prefix).
func hostSide(r result) (string, string) {
	host := ""
	for _, i := range r.Interfaces {
		if i.Sandbox == "" {
			host = i.Name
			break
		}
	}
	for _, ip := range r.IPs {
		addr, _, _ := strings.Cut(ip.Address, "/")
		if p := net.ParseIP(addr); p != nil && p.To4() != nil {
			return host, addr
		}
	}
	return host, ""
}

func post(socket, path string, body any, timeout time.Duration) error {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		}}}
	b, _ := json.Marshal(body)
	resp, err := client.Post("http://sluice"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("the agent at %s does not answer: %w", socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	msg, _ := io.ReadAll(resp.Body)
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(msg, &e) == nil && e.Error != "" {
		return fmt.Errorf("%s", e.Error)
	}
	return fmt.Errorf("agent answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
}
