-- pglab's own objects, loaded after Pagila (generated or official) so that Pagila itself stays
-- as it is. Names are schema-qualified: after the official dump in the same psql session,
-- search_path is empty (pg_dump's files set it so).

-- The workload's ledger on the server side: every write the lab makes inserts a rental, its
-- payment and one row here, in one transaction, under a key the client generated. After a
-- failover, the keys found on the surviving node say which acknowledged writes survived (a
-- server sequence could not: a promoted standby may hand out the same values again).
CREATE TABLE IF NOT EXISTS public.pglab_write (
    key text PRIMARY KEY,
    rental_id integer,
    written_at timestamptz NOT NULL DEFAULT now()
);

-- The official Pagila partitions payment by month, with partitions only for the months of its
-- data: a payment dated today would find no partition. A default partition takes the lab's new
-- payments. (The generated schema has a plain payment table and needs nothing.)
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_partitioned_table WHERE partrelid = 'public.payment'::regclass AND partdefid = 0) THEN
        CREATE TABLE public.payment_pglab PARTITION OF public.payment DEFAULT;
    END IF;
END
$$;
