-- A read-only role for Grafana's table of open escalations (the monitor creates the tables).
CREATE ROLE grafana_reader LOGIN PASSWORD 'change-me-reader';
GRANT CONNECT ON DATABASE monitor TO grafana_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE monitor IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader;
