// Package deploy holds the deployment files (Dockerfile, compose env, Prometheus, alert rules,
// Grafana, backup scripts) and the tests that keep them consistent with the code.
package deploy
