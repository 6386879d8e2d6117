// Command image writes a container image as a tarball that `ctr images import` takes, without a
// container engine or a registry: one layer per directory given (the first at the bottom, so
// images that start with the same directories share those layers), an entrypoint, a command,
// environment and user, tagged with a name.
//
//	image -dir ROOTFS -tag docker.io/cilium/starwars:latest -entrypoint /deathstar -o out.tar
//	image -dir JRE -dir APP -tag localhost/sluice/operator:0.1.0 -entrypoint "/opt/java/bin/java -jar ..." -o out.tar
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	var dirs layers
	flag.Var(&dirs, "dir", "directory whose files become a layer (repeatable, bottom first)")
	tag := flag.String("tag", "", "image name with tag")
	entrypoint := flag.String("entrypoint", "", "entrypoint, space-separated")
	cmd := flag.String("cmd", "", "command, space-separated")
	env := flag.String("env", "PATH=/usr/local/bin:/usr/bin:/bin", "environment, comma-separated")
	user := flag.String("user", "", "user (uid[:gid]) the entrypoint runs as")
	out := flag.String("o", "", "output tarball")
	flag.Parse()
	if len(dirs) == 0 || *tag == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "image: -dir, -tag and -o are required")
		os.Exit(2)
	}
	if err := build(dirs, *tag, *entrypoint, *cmd, *env, *user, *out); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

type layers []string

func (l *layers) String() string     { return strings.Join(*l, ",") }
func (l *layers) Set(v string) error { *l = append(*l, v); return nil }

func build(dirs []string, tag, entrypoint, cmd, env, user, out string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("tag %q: %w", tag, err)
	}
	img := empty.Image
	for _, dir := range dirs {
		layerTar, err := tarDir(dir)
		if err != nil {
			return err
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(layerTar)), nil
		})
		if err != nil {
			return err
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return err
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	c := cfg.Config
	c.Entrypoint = fields(entrypoint)
	c.Cmd = fields(cmd)
	c.Env = strings.Split(env, ",")
	c.User = user
	img, err = mutate.Config(img, c)
	if err != nil {
		return err
	}
	img, err = mutate.ConfigFile(img, withPlatform(img))
	if err != nil {
		return err
	}
	return tarball.WriteToFile(out, ref, img)
}

func withPlatform(img v1.Image) *v1.ConfigFile {
	cfg, _ := img.ConfigFile()
	cfg.OS = "linux"
	cfg.Architecture = "amd64"
	return cfg
}

func fields(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

// tarDir archives dir's tree with paths relative to it, owned by root, keeping modes and symlinks.
func tarDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := os.Lstat(path)
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&os.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		h.Name, h.Uid, h.Gid, h.Uname, h.Gname = rel, 0, 0, "", ""
		if d.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
