--@test: a value that differs
CREATE STREAM src (id INT KEY, a INT) WITH (kafka_topic='src', value_format='JSON');
CREATE STREAM copy AS SELECT id, a * 2 AS a2 FROM src;
INSERT INTO src (id, a) VALUES (1, 21);
ASSERT VALUES copy (id, a2) VALUES (1, 41);

--@test: a record that never came
CREATE STREAM src (id INT KEY, a INT) WITH (kafka_topic='src', value_format='JSON');
ASSERT VALUES src (id, a) VALUES (1, 1);

--@test: an error that was expected but did not happen
--@expected.message: does not exist
CREATE STREAM src (id INT KEY, a INT) WITH (kafka_topic='src', value_format='JSON');

--@test: a stream asserted as a table
CREATE STREAM src (id INT KEY, a INT) WITH (kafka_topic='src', value_format='JSON');
ASSERT TABLE src (id INT PRIMARY KEY, a INT);

--@test: a column of another type
CREATE STREAM src (id INT KEY, a INT) WITH (kafka_topic='src', value_format='JSON');
ASSERT STREAM src (id INT KEY, a BIGINT);
