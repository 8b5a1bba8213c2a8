-- The book's chapter-10 streaming data mesh, as one walleye SQL file.
--
-- Raw topics (see `walleye datagen`): `clickstream` (web server log lines, keyed by
-- userid) and `users` (change events of the users table in Debezium's envelope).
-- Data product: CLICK_USERS_PRODUCT, clicks enriched with the user's profile and with
-- the phone number masked before it is published.

-- The clickstream: one row per request.
CREATE STREAM CLICKSTREAM (
  ip STRING, userid INT, remote_user STRING, time STRING, `_time` BIGINT,
  request STRING, status STRING, bytes STRING, referrer STRING, agent STRING
) WITH (kafka_topic='clickstream', value_format='JSON');

-- The users table's change events (Debezium): before and after images of a row.
CREATE STREAM USERS (
  before STRUCT<userid INT, first_name STRING, last_name STRING, email STRING, phone STRING,
                city STRING, level STRING, registered_at BIGINT>,
  after STRUCT<userid INT, first_name STRING, last_name STRING, email STRING, phone STRING,
               city STRING, level STRING, registered_at BIGINT>,
  op STRING,
  ts_ms BIGINT
) WITH (kafka_topic='users', value_format='JSON');

-- The current state of every user, materialized from the change events.
CREATE TABLE USERS_MATERIALIZED_VIEW AS
  SELECT after->userid AS userid,
         LATEST_BY_OFFSET(after->first_name) AS first_name,
         LATEST_BY_OFFSET(after->last_name) AS last_name,
         LATEST_BY_OFFSET(after->phone) AS phone,
         LATEST_BY_OFFSET(after->city) AS city,
         LATEST_BY_OFFSET(after->level) AS level
  FROM USERS
  GROUP BY after->userid;

-- Clicks enriched with the user who made them (a stream-table join).
CREATE STREAM CLICK_USERS AS
  SELECT c.userid AS userid, c.request AS request, c.status AS status, c.bytes AS bytes,
         u.first_name AS first_name, u.last_name AS last_name, u.phone AS phone,
         u.city AS city, u.level AS level
  FROM CLICKSTREAM c
  JOIN USERS_MATERIALIZED_VIEW u ON c.userid = u.userid;

-- The published data product: the phone number is masked (governance step).
CREATE STREAM CLICK_USERS_PRODUCT AS
  SELECT userid, request, status, first_name, city, level,
         MASK_KEEP_RIGHT(phone, 4) AS phone
  FROM CLICK_USERS
  WHERE status <> '404';
