-- pgbench's copy of the built-in workload's write (labkit/PagilaOps.WRITE): a new rental, its
-- payment and the client's key in one statement. PagilaOpsTest checks the two stay the same.
\set inventory random(1, :max_inventory)
\set customer random(1, :max_customer)
\set staff random(1, :max_staff)
\set cents random(99, 998)
WITH r AS (
  INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)
  VALUES (now(), :inventory, :customer, :staff) RETURNING rental_id, customer_id, staff_id
), p AS (
  INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
  SELECT customer_id, staff_id, rental_id, :cents / 100.0, now() FROM r
)
INSERT INTO pglab_write (key, rental_id, written_at) SELECT 'pgbench-' || :client_id || '-' || txid_current(), rental_id, now() FROM r;
