{#- Digests for incremental runs (docs/incremental.md, "What a run
    recomputes"). A state model keeps, on each account's rows, a digest of
    every input those rows were computed from; a run recomputes the
    accounts whose digest changed. A digest is the bitwise XOR of a 64-bit
    hash per input row: it does not depend on the order of the rows, and
    any change to a row, a new row or a row gone changes it (but with odds
    of 2^-64). -#}

{#- A 64-bit integer hash of the values of `expressions` (a list of SQL
    expressions), NULL and empty text apart. -#}
{% macro hash_values(expressions) %}
    {{ return(adapter.dispatch('hash_values', 'arpu')(expressions)) }}
{% endmacro %}

{#- PostgreSQL: the first 16 hex digits of the md5 of the values' text,
    each length-prefixed (row_fingerprint), read as a bigint. -#}
{% macro default__hash_values(expressions) -%}
    ('x' || substr({{ arpu.default__row_fingerprint(expressions) }}, 1, 16))::bit(64)::bigint
{%- endmacro %}

{% macro duckdb__hash_values(expressions) -%}
    hash({{ expressions | join(', ') }})
{%- endmacro %}

{% macro spark__hash_values(expressions) -%}
    xxhash64({{ expressions | join(', ') }})
{%- endmacro %}

{#- The digest of a group of rows: the XOR of `hash_expression` (a
    hash_values() of each row) over the group. An aggregate. -#}
{% macro digest(hash_expression) -%}
    bit_xor({{ hash_expression }})
{%- endmacro %}

{#- The SQL type of a hash_values() or digest() value. -#}
{% macro digest_type() %}
    {{ return(adapter.dispatch('digest_type', 'arpu')()) }}
{% endmacro %}

{% macro default__digest_type() -%}
    {{ dbt.type_bigint() }}
{%- endmacro %}

{#- DuckDB's hash() is an unsigned 64-bit integer. -#}
{% macro duckdb__digest_type() -%}
    ubigint
{%- endmacro %}
