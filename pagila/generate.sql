-- Fills the tables of schema.sql with a Pagila-like dataset: the same cardinalities as the
-- official Pagila (1,000 films, 599 customers, 200 actors, ~4,600 copies, ~16,000 rentals and
-- payments in 2022), made up from the small word lists below.
--
-- Deterministic: one seed, and each statement draws its random() values in one place only,
-- over rows in a fixed order (a generate_series, a sorted list, or a temp table filled by an
-- earlier statement), so the draws come in the same order whatever plan the joins get. Same
-- PostgreSQL major + same scale = same rows, byte for byte, from psql or from the kit.
--
-- The scale multiplies the facts (inventory, rentals, payments); the catalogue stays the same.
-- It comes from the setting pglab.scale (default 1), so this file runs the same way by hand:
--   PGOPTIONS='-c pglab.scale=5' psql -v ON_ERROR_STOP=1 -d pagila -f pagila/generate.sql
-- and from the kit (SET pglab.scale = 5 on its JDBC connection).

SELECT setseed(0.20220214);

CREATE FUNCTION pg_temp.scale() RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('pglab.scale', true), '')::integer, 1)
$$;

DO $$
BEGIN
    IF pg_temp.scale() < 1 THEN
        RAISE EXCEPTION 'pglab.scale must be 1 or more, got %', pg_temp.scale();
    END IF;
END
$$;

-- Every row of the catalogue carries the same last_update, as in Pagila (and so the data does
-- not depend on when it was generated).
CREATE FUNCTION pg_temp.loaded_at() RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT timestamptz '2022-02-15 09:34:33+00'
$$;

CREATE TEMP TABLE words (list, items) AS VALUES
('first_name', '{AMELIA,ANA,ARJUN,BEATRIZ,CARLOS,CHLOE,DANIEL,DIANA,EMEKA,ELENA,FATIMA,FELIX,GRACE,HANNAH,HIRO,
  IBRAHIM,INGRID,ISAAC,JAMAL,JULIA,KAI,KATARZYNA,LEILA,LIAM,LUCIA,MARCO,MARIA,MATEO,MEI,MIGUEL,NADIA,NOAH,OLGA,
  OMAR,PRIYA,RAFAEL,ROSA,SAMUEL,SOFIA,TARIQ,THOMAS,URSULA,VALENTINA,VICTOR,WEI,YUKI,ZARA,ELIAS,NINA,OSCAR,PAULA,
  RUTH,SIMON,TERESA,HUGO,IRENE,JONAS,LARA,MAYA,PETER}'::text[]),
('last_name', '{ADEYEMI,ALVAREZ,ANDERSEN,BAKER,BERG,BROWN,CHEN,COSTA,DUBOIS,EDWARDS,FISCHER,FERREIRA,GARCIA,GUPTA,
  HANSEN,HOFFMANN,HUGHES,IVANOVA,JANSSEN,JOHNSON,KAPOOR,KIM,KOWALSKI,LARSEN,LEE,LOPEZ,MARTIN,MENDES,MORALES,
  MULLER,NAKAMURA,NGUYEN,NOVAK,OKAFOR,OLSEN,PARK,PEREIRA,PETROV,QUINN,RAMOS,REYES,ROSSI,SATO,SCHMIDT,SILVA,SINGH,
  SMITH,SORENSEN,TANAKA,TAYLOR,TORRES,VARGAS,WAGNER,WALSH,WANG,WEBER,WILSON,YILMAZ,ZHANG,ZIMMERMANN}'),
('title_first', '{AMBER,ARCTIC,BALLAD,BANDIT,BLUE,BROKEN,CANYON,CARNIVAL,COPPER,CROWN,DANCING,DESERT,ECHO,EMPIRE,
  FALCON,FROZEN,GHOST,GOLDEN,HARBOR,HIDDEN,IRON,JUNGLE,LAST,LUNAR,MIDNIGHT,MIRROR,NEON,OCEAN,PAPER,PHANTOM,QUIET,
  RAPID,SAVAGE,SCARLET,SHADOW,SILENT,THUNDER,VELVET,WILD,WINTER}'),
('title_second', '{ADVENTURE,ALIBI,ANTHEM,BARGAIN,BRIDE,CHASE,CIRCUS,CODE,CONFESSION,DETECTIVE,DIARY,DREAM,EXPRESS,
  FEVER,FORTUNE,GAMBIT,GARDEN,HEIST,HORIZON,JOURNEY,KINGDOM,LEGEND,MACHINE,MEMORY,MISSION,ODYSSEY,ORCHARD,PARADE,
  PROMISE,REBEL,RIVER,SECRET,SIGNAL,STRANGER,SUMMER,TANGO,TRAIL,VOYAGE,WARRIOR,WITNESS}'),
('mood', '{Absorbing,Bittersweet,Breathtaking,Brooding,Cheerful,Daring,Dazzling,Eerie,Gripping,Haunting,
  Heartwarming,Playful,Quirky,Rousing,Sly,Sprawling,Stirring,Tender,Whimsical,Witty}'),
('genre', '{Chronicle,Comedy,Documentary,Drama,Epic,Fable,Mystery,Odyssey,Parable,Portrait,Romance,Saga,Satire,
  Story,Tale,Thriller}'),
('role', '{Accountant,Archaeologist,Astronaut,Baker,Beekeeper,Cartographer,Chef,Clockmaker,Composer,Detective,
  Diplomat,Explorer,Firefighter,Gardener,Inventor,Juggler,Librarian,"Lighthouse Keeper",Magician,Mechanic,Nurse,
  Pilot,Poet,Robot,Sailor,Scientist,Smuggler,Teacher,Violinist,Zookeeper}'),
('verb', '{Befriend,Challenge,Chase,Confront,Convince,Defeat,Escape,Find,Fool,Forgive,Outwit,Race,Rescue,Trick,
  Understand}'),
('place', '{"a Lighthouse","the Arctic","a Space Station","a Night Train","an Abandoned Mine","the Desert",
  "a Floating City","a Jungle Temple","a Monastery","a Submarine","the Old Harbor","a Haunted Hotel",
  "a Mountain Village","a Jazz Club","the Grand Bazaar"}'),
('city_start', '{Ash,Bel,Brook,Cedar,Clear,Eagle,Elm,Fair,Glen,Green,Hazel,High,Iron,Lake,Maple,Mill,North,Oak,Pine,
  Red,River,Rock,Rose,Silver,South,Spring,Stone,Sun,West,Wood}'),
('city_end', '{ford,ton,ville,field,dale,burg,port,wood,mont,haven,bridge,stead,moor,brook,view,crest,ridge,wick,
  minster,bury}'),
('street_type', '{Street,Avenue,Road,Lane,Drive,Way,Boulevard,Place,Parkway,Manor}'),
('district', '{Central,Northern,Southern,Eastern,Western,Coastal,Highland,Lakeside,Riverside,Valley,Capital,
  Metropolitan,Upland,Midlands,Harbour,Plains,Hills,Delta,Bay,Frontier}'),
('country', '{Afghanistan,Algeria,"American Samoa",Angola,Anguilla,Argentina,Armenia,Australia,Austria,Azerbaijan,
  Bahrain,Bangladesh,Belarus,Bolivia,Brazil,Brunei,Bulgaria,Cambodia,Cameroon,Canada,Chad,Chile,China,Colombia,
  Congo,"Czech Republic","Dominican Republic",Ecuador,Egypt,Estonia,Ethiopia,"Faroe Islands",Finland,France,
  "French Guiana","French Polynesia",Gambia,Germany,Greece,Greenland,"Holy See","Hong Kong",Hungary,India,
  Indonesia,Iran,Iraq,Israel,Italy,Japan,Kazakhstan,Kenya,Kuwait,Latvia,Liechtenstein,Lithuania,Madagascar,Malawi,
  Malaysia,Mexico,Moldova,Morocco,Mozambique,Myanmar,Nauru,Nepal,Netherlands,"New Zealand",Nigeria,"North Korea",
  Oman,Pakistan,Paraguay,Peru,Philippines,Poland,"Puerto Rico",Romania,Reunion,"Russian Federation",
  "Saint Vincent and the Grenadines","Saudi Arabia",Senegal,Slovakia,"South Africa","South Korea",Spain,
  "Sri Lanka",Sudan,Sweden,Switzerland,Taiwan,Tanzania,Thailand,Tonga,Tunisia,Turkey,Turkmenistan,Tuvalu,Ukraine,
  "United Arab Emirates","United Kingdom","United States",Uruguay,Venezuela,Vietnam,"Virgin Islands",Yemen,Zambia}');

-- One item of a word list, chosen by a random draw r in [0, 1).
CREATE FUNCTION pg_temp.pick(list text, r double precision) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT items[1 + floor(r * cardinality(items))::integer] FROM pg_temp.words WHERE words.list = pick.list
$$;

-- "a Robot", "an Astronaut".
CREATE FUNCTION pg_temp.a(noun text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN upper(left(noun, 1)) IN ('A', 'E', 'I', 'O', 'U') THEN 'an ' ELSE 'a ' END || noun
$$;

-- The fixed catalogue, in Pagila's order.

INSERT INTO language (name, last_update)
SELECT name, pg_temp.loaded_at()
FROM unnest('{English,Italian,Japanese,Mandarin,French,German}'::text[]) WITH ORDINALITY AS l(name, n)
ORDER BY n;

INSERT INTO category (name, last_update)
SELECT name, pg_temp.loaded_at()
FROM unnest('{Action,Animation,Children,Classics,Comedy,Documentary,Drama,Family,Foreign,Games,Horror,Music,New,
              Sci-Fi,Sports,Travel}'::text[]) WITH ORDINALITY AS c(name, n)
ORDER BY n;

INSERT INTO country (country, last_update)
SELECT country, pg_temp.loaded_at()
FROM unnest((SELECT items FROM words WHERE list = 'country')) WITH ORDINALITY AS c(country, n)
ORDER BY n;

-- 600 cities: every start x end pair ("Oakdale", "Silverport"), shuffled, each in a random country.
INSERT INTO city (city, country_id, last_update)
WITH pair AS MATERIALIZED (
    SELECT s || e AS city
    FROM unnest((SELECT items FROM words WHERE list = 'city_start')) WITH ORDINALITY AS a(s, i),
         unnest((SELECT items FROM words WHERE list = 'city_end')) WITH ORDINALITY AS b(e, j)
    ORDER BY i, j
), drawn AS MATERIALIZED (
    SELECT city, random() AS place_in_list, random() AS country_draw FROM pair
)
SELECT city, 1 + floor(country_draw * (SELECT count(*) FROM country))::integer, pg_temp.loaded_at()
FROM drawn
ORDER BY place_in_list;

-- Addresses 1-2 are the stores', 3-4 the staff's, then one per customer (Pagila's layout).
INSERT INTO address (address, address2, district, city_id, postal_code, phone, last_update)
SELECT (1 + floor(random() * 1999))::integer || ' ' || pg_temp.pick('city_start', random())
           || pg_temp.pick('city_end', random()) || ' ' || pg_temp.pick('street_type', random()),
       '',
       pg_temp.pick('district', random()),
       1 + floor(random() * (SELECT count(*) FROM city))::integer,
       lpad(floor(random() * 100000)::integer::text, 5, '0'),
       (100000000000 + floor(random() * 900000000000)::bigint)::text,
       pg_temp.loaded_at()
FROM generate_series(1, 4 + 599);

-- Store n is managed by staff n; store.manager_staff_id has no foreign key, as in Pagila.
INSERT INTO store (manager_staff_id, address_id, last_update)
SELECT n, n, pg_temp.loaded_at() FROM generate_series(1, 2) AS n;

INSERT INTO staff (first_name, last_name, address_id, email, store_id, active, username, password, last_update)
SELECT initcap(first_name), initcap(last_name), 2 + n,
       initcap(first_name) || '.' || initcap(last_name) || '@pglab-staff.org', n, true, initcap(first_name),
       md5('pglab-staff-' || n), pg_temp.loaded_at()
FROM (SELECT n, pg_temp.pick('first_name', random()) AS first_name, pg_temp.pick('last_name', random()) AS last_name
      FROM generate_series(1, 2) AS n) AS drawn;

INSERT INTO actor (first_name, last_name, last_update)
SELECT pg_temp.pick('first_name', random()), pg_temp.pick('last_name', random()), pg_temp.loaded_at()
FROM generate_series(1, 200);

-- About 2.5 % of customers are inactive, like Pagila's 15 of 599.
INSERT INTO customer (store_id, first_name, last_name, email, address_id, activebool, create_date, last_update, active)
SELECT store_id, first_name, last_name, first_name || '.' || last_name || '@pglab-customer.org', 4 + n, true,
       date '2022-02-14', pg_temp.loaded_at(), CASE WHEN inactive_draw < 0.025 THEN 0 ELSE 1 END
FROM (SELECT n, 1 + floor(random() * 2)::integer AS store_id,
             pg_temp.pick('first_name', random()) AS first_name, pg_temp.pick('last_name', random()) AS last_name,
             random() AS inactive_draw
      FROM generate_series(1, 599) AS n) AS drawn;

-- 1,000 films titled "FIRST SECOND" (all pairs shuffled, the first 1,000 taken), with Pagila's
-- kinds of description, prices, lengths and ratings. fulltext is filled by film_fulltext_trigger.
CREATE TEMP TABLE film_titles AS
WITH pair AS MATERIALIZED (
    SELECT f || ' ' || s AS title
    FROM unnest((SELECT items FROM words WHERE list = 'title_first')) WITH ORDINALITY AS a(f, i),
         unnest((SELECT items FROM words WHERE list = 'title_second')) WITH ORDINALITY AS b(s, j)
    ORDER BY i, j
), shuffled AS MATERIALIZED (
    SELECT title, random() AS place_in_list FROM pair
)
SELECT title FROM shuffled ORDER BY place_in_list LIMIT 1000;

INSERT INTO film (title, description, release_year, language_id, rental_duration, rental_rate, length,
                  replacement_cost, rating, special_features, last_update)
WITH drawn AS MATERIALIZED (
    SELECT title,
           initcap(pg_temp.a(pg_temp.pick('mood', random()))) || ' ' || pg_temp.pick('genre', random())
               || ' of ' || pg_temp.a(pg_temp.pick('role', random()))
               || ' And ' || pg_temp.a(pg_temp.pick('role', random()))
               || ' who must ' || pg_temp.pick('verb', random()) || ' ' || pg_temp.a(pg_temp.pick('role', random()))
               || ' in ' || pg_temp.pick('place', random()) AS description,
           1990 + floor(random() * 33)::integer AS release_year,
           CASE WHEN random() < 0.9 THEN 1 ELSE 2 + floor(random() * 5)::integer END AS language_id,
           3 + floor(random() * 5)::integer AS rental_duration,
           (ARRAY[0.99, 2.99, 4.99])[1 + floor(random() * 3)::integer] AS rental_rate,
           46 + floor(random() * 140)::integer AS length,
           9.99 + floor(random() * 21) AS replacement_cost,
           (enum_range(NULL::mpaa_rating))[1 + floor(random() * 5)::integer] AS rating,
           1 + floor(random() * 15)::integer AS feature_bits
    FROM film_titles
)
SELECT title, description, release_year, language_id, rental_duration, rental_rate, length, replacement_cost,
       rating,
       ARRAY(SELECT feature
             FROM unnest('{Trailers,Commentaries,"Deleted Scenes","Behind the Scenes"}'::text[])
                  WITH ORDINALITY AS f(feature, bit)
             WHERE feature_bits & (1 << (bit::integer - 1)) <> 0
             ORDER BY bit),
       pg_temp.loaded_at()
FROM drawn;

INSERT INTO film_category (film_id, category_id, last_update)
SELECT film_id, 1 + floor(random() * 16)::integer, pg_temp.loaded_at()
FROM generate_series(1, 1000) AS film_id;

-- 1 to 10 actors per film (Pagila: 5,462 pairs). Stepping by 7, which shares no factor with 200,
-- from a random start never picks the same actor twice for a film.
INSERT INTO film_actor (actor_id, film_id, last_update)
WITH cast_size AS MATERIALIZED (
    SELECT film_id, 1 + floor(random() * 10)::integer AS actors, floor(random() * 200)::integer AS first
    FROM generate_series(1, 1000) AS film_id
)
SELECT 1 + (first + k * 7) % 200, film_id, pg_temp.loaded_at()
FROM cast_size, generate_series(0, actors - 1) AS k;

-- The facts are loaded without the foreign keys of their tables, then the keys are added back
-- from their own definitions in schema.sql: checked row by row on insert they cost more than the
-- inserts themselves, while adding a key checks every row at once (pg_restore loads the same way).
CREATE TEMP TABLE fact_keys AS
SELECT conrelid::regclass AS table_name, conname AS key_name, pg_get_constraintdef(oid) AS definition
FROM pg_constraint
WHERE contype = 'f' AND conrelid IN ('inventory'::regclass, 'rental'::regclass, 'payment'::regclass);

DO $$
DECLARE k record;
BEGIN
    FOR k IN SELECT * FROM fact_keys LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', k.table_name, k.key_name);
    END LOOP;
END
$$;

-- Facts, multiplied by the scale. Copies: none for 5 % of the films, else 2-8 per film, each in
-- a random store (Pagila: 4,581 copies, 42 films without one).
CREATE TEMP TABLE copies_per_film AS
SELECT film_id, CASE WHEN random() < 0.05 THEN 0 ELSE 2 + floor(random() * 7)::integer END AS copies
FROM generate_series(1, 1000) AS film_id;

INSERT INTO inventory (film_id, store_id, last_update)
SELECT film_id, 1 + floor(random() * 2)::integer, pg_temp.loaded_at()
FROM copies_per_film, generate_series(1, copies * pg_temp.scale());

-- Each copy is rented 1-6 times over 2022 (avg 3.5, so ~16,000 rentals per 4,600 copies). The
-- year is cut into as many slots as rentals and each rental fits in its slot (it starts at
-- least 12 days before the slot ends and lasts the film's rental_duration +/- 2 days), so a
-- copy is never out twice at once. About 4 % of the copies were never brought back from their
-- last rental (Pagila: 183 open rentals). Ids follow rental_date, as in Pagila. Times are added
-- in seconds, never days: adding days to a timestamptz follows the session's TimeZone (DST), and
-- psql and JDBC sessions do not share one.
CREATE TEMP TABLE rentals_per_copy AS
SELECT inventory_id, 1 + floor(random() * 6)::integer AS rentals
FROM generate_series(1, (SELECT max(inventory_id) FROM inventory)) AS inventory_id;

INSERT INTO rental (rental_id, rental_date, inventory_id, customer_id, return_date, staff_id, last_update)
WITH drawn AS MATERIALIZED (
    SELECT inventory_id, slot, rentals, random() AS start_draw, random() AS length_draw, random() AS open_draw,
           1 + floor(random() * (SELECT count(*) FROM customer))::integer AS customer_id
    FROM rentals_per_copy, generate_series(0, rentals - 1) AS slot
), timed AS (
    SELECT d.inventory_id, d.customer_id, s.manager_staff_id AS staff_id,
           timestamptz '2022-01-01 00:00:00+00' + interval '1 second'
               * floor(365 * 86400.0 / d.rentals * (d.slot + d.start_draw) - 12 * 86400 * d.start_draw) AS rental_date,
           interval '1 second' * floor(86400 * (f.rental_duration - 2 + 4 * d.length_draw)) AS kept,
           d.slot = d.rentals - 1 AND d.open_draw < 0.04 AS never_returned
    FROM drawn AS d
    JOIN inventory AS i USING (inventory_id)
    JOIN film AS f USING (film_id)
    JOIN store AS s USING (store_id)
)
SELECT row_number() OVER (ORDER BY rental_date, inventory_id), rental_date, inventory_id, customer_id,
       CASE WHEN never_returned THEN NULL ELSE rental_date + kept END,
       staff_id,
       CASE WHEN never_returned THEN rental_date ELSE rental_date + kept END
FROM timed;

-- One payment per rental, paid on return (on rental for the open ones): the film's rental rate
-- plus 1.00 per day late. Ids follow customer and date, as in Pagila.
INSERT INTO payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date)
SELECT row_number() OVER (ORDER BY r.customer_id, coalesce(r.return_date, r.rental_date), r.rental_id),
       r.customer_id, r.staff_id, r.rental_id,
       f.rental_rate + greatest(0, ceil(extract(epoch FROM r.return_date - r.rental_date) / 86400
                                        - f.rental_duration)),
       coalesce(r.return_date, r.rental_date)
FROM rental AS r
JOIN inventory AS i USING (inventory_id)
JOIN film AS f USING (film_id);

DO $$
DECLARE k record;
BEGIN
    FOR k IN SELECT * FROM fact_keys LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.table_name, k.key_name, k.definition);
    END LOOP;
END
$$;

-- The ids above were given explicitly or by serial: move every sequence past them so that
-- later inserts (the lab's workload adds rentals and payments) get fresh ids.
DO $$
BEGIN
    PERFORM setval('actor_actor_id_seq', max(actor_id)) FROM actor;
    PERFORM setval('address_address_id_seq', max(address_id)) FROM address;
    PERFORM setval('category_category_id_seq', max(category_id)) FROM category;
    PERFORM setval('city_city_id_seq', max(city_id)) FROM city;
    PERFORM setval('country_country_id_seq', max(country_id)) FROM country;
    PERFORM setval('customer_customer_id_seq', max(customer_id)) FROM customer;
    PERFORM setval('film_film_id_seq', max(film_id)) FROM film;
    PERFORM setval('inventory_inventory_id_seq', max(inventory_id)) FROM inventory;
    PERFORM setval('language_language_id_seq', max(language_id)) FROM language;
    PERFORM setval('payment_payment_id_seq', max(payment_id)) FROM payment;
    PERFORM setval('rental_rental_id_seq', max(rental_id)) FROM rental;
    PERFORM setval('staff_staff_id_seq', max(staff_id)) FROM staff;
    PERFORM setval('store_store_id_seq', max(store_id)) FROM store;
END
$$;

-- The helpers above live in this session only; drop them so the session is as it was.
DROP FUNCTION pg_temp.pick(text, double precision), pg_temp.a(text), pg_temp.scale(), pg_temp.loaded_at();
DROP TABLE pg_temp.words, pg_temp.film_titles, pg_temp.fact_keys, pg_temp.copies_per_film, pg_temp.rentals_per_copy;
