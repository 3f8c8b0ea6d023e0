-- Databases of the production profile (docs/docker-compose.yml): the Dagster instance
-- (created by POSTGRES_DB), the warehouse and the operational store. Not exercised by CI.
create database coo_warehouse owner coo;
create database coo_state owner coo;
