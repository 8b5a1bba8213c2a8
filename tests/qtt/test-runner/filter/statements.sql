-- ksql-test-runner layout: run with
--   walleye test -s statements.sql -i input.json -o output.json
CREATE STREAM ORDERS (ID BIGINT KEY, ITEM STRING, QTY INT)
  WITH (kafka_topic='orders', value_format='DELIMITED');

CREATE STREAM BIG_ORDERS AS
  SELECT ID, ITEM, QTY FROM ORDERS WHERE QTY >= 10;
