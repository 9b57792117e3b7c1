"""The brokers the demo, the tests and the benchmarks start as child processes (Mosquitto,
nats-server), and the free port each listens on. Nothing the service runs in production
imports this package: there the brokers are system services (deploy/server/)."""
