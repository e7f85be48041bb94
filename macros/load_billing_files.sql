{#
    Load the contract files of `var('billing_data_dir')` into the source
    schema, every column as text, so that staging applies the contract's
    strict casts on every engine the same way. Runs as on-run-start.
    Warehouse targets already hold the tables: nothing to do there.
#}
{% macro load_billing_files() %}
    {{ return(adapter.dispatch('load_billing_files', 'arpu')()) }}
{% endmacro %}

{% macro default__load_billing_files() %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__load_billing_files() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set data_dir = var('billing_data_dir') | string %}
    {% set schema = var('billing_schema') %}
    {% do run_query('create schema if not exists ' ~ adapter.quote(schema)) %}
    {% for source in graph.sources.values()
          if source.source_name == 'billing' %}
        {% set table = source.name %}
        {% set columns = source.columns.values() | list %}
        {% set path = arpu.find_billing_file(data_dir, table) %}
        {% set target = adapter.quote(schema) ~ '.' ~ adapter.quote(table) %}
        {% if path is none %}
            {% if source.meta.get('required') %}
                {% do exceptions.raise_compiler_error(
                    "Required table '" ~ table ~ "' not found: expected "
                    ~ data_dir ~ "/" ~ table ~ ".csv or "
                    ~ data_dir ~ "/" ~ table ~ ".parquet") %}
            {% endif %}
            {# An absent optional table reads as empty, with its columns. #}
            {% set select_list = [] %}
            {% for column in columns %}
                {% do select_list.append(
                    'cast(null as varchar) as ' ~ adapter.quote(column.name)) %}
            {% endfor %}
            {% do run_query(
                'create or replace table ' ~ target ~ ' as select '
                ~ select_list | join(', ') ~ ' where false') %}
        {% else %}
            {% set reader = arpu.billing_file_reader(path) %}
            {% set described = run_query('describe select * from ' ~ reader) %}
            {% set present = described.columns[0].values() | list %}
            {% set select_list = [] %}
            {% for column in columns %}
                {% if column.name in present %}
                    {% do select_list.append(
                        'cast(' ~ adapter.quote(column.name) ~ ' as varchar) as '
                        ~ adapter.quote(column.name)) %}
                {% elif column.meta.get('required') %}
                    {% do exceptions.raise_compiler_error(
                        "Required column '" ~ column.name ~ "' missing from "
                        ~ path) %}
                {% else %}
                    {# A nullable column may be left out of a file: NULL. #}
                    {% do select_list.append(
                        'cast(null as varchar) as ' ~ adapter.quote(column.name)) %}
                {% endif %}
            {% endfor %}
            {% do run_query(
                'create or replace table ' ~ target ~ ' as select '
                ~ select_list | join(', ') ~ ' from ' ~ reader) %}
        {% endif %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}

{% macro find_billing_file(data_dir, table) %}
    {% set found = [] %}
    {% for extension in ['csv', 'parquet'] %}
        {% set candidate = data_dir ~ '/' ~ table ~ '.' ~ extension %}
        {% set result = run_query(
            "select count(*) from glob('"
            ~ candidate | replace("'", "''") ~ "')") %}
        {% if result.columns[0].values()[0] > 0 %}
            {% do found.append(candidate) %}
        {% endif %}
    {% endfor %}
    {% if found | length > 1 %}
        {% do exceptions.raise_compiler_error(
            "Both " ~ found | join(' and ')
            ~ " exist: keep one file per table") %}
    {% endif %}
    {{ return(found[0] if found else none) }}
{% endmacro %}

{% macro billing_file_reader(path) %}
    {% set quoted = "'" ~ path | replace("'", "''") ~ "'" %}
    {% if path.endswith('.parquet') %}
        {{ return('read_parquet(' ~ quoted ~ ')') }}
    {% endif %}
    {# Every column as text: the contract's casts are stricter than
       DuckDB's sniffer, and staging applies them. #}
    {{ return('read_csv(' ~ quoted ~ ", header = true, all_varchar = true"
        ~ ", delim = ',', quote = '\"', escape = '\"', sample_size = -1)") }}
{% endmacro %}
