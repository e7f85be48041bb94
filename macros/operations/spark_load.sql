{#
    Spark: (re)create contract tables in the source schema from Parquet
    files, every column as text, as the DuckDB hook loads its files. A
    run-operation (`arpu load --target spark` calls it after writing the
    files): dbt-spark has no file reader of its own, and a session target
    keeps its tables under the warehouse folder, so they are copied there
    rather than pointed at files that may move.
#}
{% macro load_parquet_tables(tables) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% if tables is not mapping or not tables %}
        {% do exceptions.raise_compiler_error(
            "load_parquet_tables needs tables: {table_name: parquet_path, ...}") %}
    {% endif %}
    {% set schema = arpu_var('billing_schema') %}
    {% do run_query('create schema if not exists ' ~ adapter.quote(schema)) %}
    {% for table, path in tables.items() | sort %}
        {% set target = adapter.quote(schema) ~ '.' ~ adapter.quote(table) %}
        {#- A backtick in the path is doubled, as Spark escapes it. -#}
        {% set file = 'parquet.`' ~ (path | string | replace('`', '``')) ~ '`' %}
        {% set names = run_query('describe query select * from ' ~ file)
            .columns[0].values() | list %}
        {% set select_list = [] %}
        {% for name in names %}
            {% do select_list.append(
                'cast(' ~ adapter.quote(name) ~ ' as string) as '
                ~ adapter.quote(name)) %}
        {% endfor %}
        {#- Spark replaces only Delta or v2 tables in place: plain Parquet
            tables are dropped, then created. -#}
        {% do run_query('drop table if exists ' ~ target) %}
        {% do run_query(
            'create table ' ~ target ~ ' using parquet as select '
            ~ select_list | join(', ') ~ ' from ' ~ file) %}
        {% do log('Loaded ' ~ target ~ ' from ' ~ path, info=true) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
