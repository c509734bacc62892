// Package nginx holds nginx.conf, the reverse proxy in front of the ingress, and the test that
// runs it with the real nginx.
package nginx
