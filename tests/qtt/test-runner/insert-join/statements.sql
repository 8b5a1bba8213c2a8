-- A table and a stream filled by INSERT VALUES in the statements file itself: the
-- join sees the table's row because it was written first.
CREATE TABLE accounts (id INT PRIMARY KEY, owner STRING) WITH (kafka_topic='accounts', value_format='JSON', partitions=1);
CREATE STREAM payments (id INT KEY, amount DOUBLE) WITH (kafka_topic='payments', value_format='JSON', partitions=1);
CREATE STREAM named_payments AS SELECT p.id, amount, owner FROM payments p JOIN accounts a ON p.id = a.id;
INSERT INTO accounts (id, owner) VALUES (7, 'ines');
INSERT INTO payments (id, amount) VALUES (7, 12.5);
INSERT INTO payments (id, amount) VALUES (8, 3.0);
