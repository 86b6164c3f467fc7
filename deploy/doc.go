// Package deploy holds the files that run eventum elsewhere: the container
// image (Containerfile, image.sh), Kubernetes manifests (k8s/) and a systemd
// unit (systemd/). It has no code; its tests check that those files parse,
// that every command line they run is accepted by eventum's flag parser, and
// that the image holds what it should.
package deploy
