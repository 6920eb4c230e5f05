-- Run once by the postgres image, on an empty data volume, as POSTGRES_USER (lockstep), who owns them.
-- One database per cluster member: each member's journal and snapshots are its own, never shared.
-- Tables are created by the members themselves (Akka.Persistence.Sql auto-initialize).
CREATE DATABASE lockstep_witness;
CREATE DATABASE lockstep_h1;
CREATE DATABASE lockstep_h2;
