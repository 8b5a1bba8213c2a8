--@test: a join of inserted rows
CREATE TABLE customers (id INT PRIMARY KEY, tier STRING) WITH (kafka_topic='customers', value_format='JSON');
CREATE STREAM orders (id INT KEY, total DOUBLE) WITH (kafka_topic='orders', value_format='JSON');
CREATE STREAM tiered AS SELECT o.id, total, tier FROM orders o JOIN customers c ON o.id = c.id;
INSERT INTO customers (id, tier) VALUES (4, 'gold');
INSERT INTO orders (rowtime, id, total) VALUES (100, 4, 99.5);
INSERT INTO orders (rowtime, id, total) VALUES (101, 5, 1.0);
ASSERT VALUES tiered (rowtime, o_id, total, tier) VALUES (100, 4, 99.5, 'gold');
ASSERT STREAM tiered (o_id INT KEY, total DOUBLE, tier STRING) WITH (kafka_topic='TIERED', value_format='JSON');

--@test: a filtered table deletes the row that leaves it
CREATE TABLE stock (sku STRING PRIMARY KEY, level INT) WITH (kafka_topic='stock', value_format='JSON');
CREATE TABLE low AS SELECT sku, level FROM stock WHERE level < 10;
INSERT INTO stock (sku, level) VALUES ('nut', 3);
INSERT INTO stock (sku, level) VALUES ('nut', 40);
ASSERT VALUES low (sku, level) VALUES ('nut', 3);
ASSERT NULL VALUES low (sku) KEY ('nut');
ASSERT TABLE low (sku STRING PRIMARY KEY, level INT);

--@test: an upgrade that drops a column is refused
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The following columns are changed, missing or reordered
CREATE STREAM src (id INT KEY, a INT, b INT) WITH (kafka_topic='src', value_format='JSON');
CREATE STREAM copy AS SELECT id, a, b FROM src;
CREATE OR REPLACE STREAM copy AS SELECT id, a FROM src;
