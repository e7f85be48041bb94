{#
    Load the contract files of `arpu_var('billing_data_dir')` into the source
    schema, every column as text, so that staging applies the contract's
    strict casts on every engine the same way. Runs as on-run-start.
    Warehouse targets already hold the tables: nothing to do there.
#}
{% macro load_billing_files(hook=false) %}
    {#- As the on-run-start hook, only for a command that builds or tests
        (not `dbt docs generate`, which reads the published file through a
        read-only target) and a run that selected a node of arpu's: a host
        project's run of its own models loads nothing. -#}
    {% if hook and execute and (
            flags.WHICH not in ['build', 'run', 'seed', 'test', 'snapshot',
                                'freshness', 'retry']
            or not arpu.arpu_nodes_selected()) %}
        {{ return('') }}
    {% endif %}
    {{ return(adapter.dispatch('load_billing_files', 'arpu')()) }}
{% endmacro %}

{% macro default__load_billing_files() %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__load_billing_files() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% if project_name != 'arpu' and not arpu.billing_data_dir_is_set() %}
        {#- Inside a host project the folder is the host's to name: the
            project's demo data is never read there by default. -#}
        {{ log("arpu: var arpu_billing_data_dir is not set, so no files are"
            ~ " loaded; arpu reads the tables already in schema "
            ~ arpu_var('billing_schema') ~ " (docs/dbt.md, vars).",
            info=True) }}
        {{ return('') }}
    {% endif %}
    {% if arpu.billing_source() == 'stripe' %}
        {# Stripe replaces these contract tables (docs/stripe.md); the
           contract staging never reads them. #}
        {% do arpu.load_source_files(
            'billing', arpu_var('billing_schema'), skip=arpu.stripe_mapped_tables()) %}
        {% do arpu.load_source_files('stripe', arpu_var('stripe_schema')) %}
    {% else %}
        {% do arpu.load_source_files('billing', arpu_var('billing_schema')) %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#- Whether this run selected a node of arpu's (a model, seed, test or
    source). -#}
{% macro arpu_nodes_selected() %}
    {% for unique_id in selected_resources %}
        {% if unique_id.split('.')[1] == 'arpu' %}
            {{ return(true) }}
        {% endif %}
    {% endfor %}
    {{ return(false) }}
{% endmacro %}

{#- Load the files of one dbt source's tables (`<table>.csv` or
    `<table>.parquet` in arpu_var('billing_data_dir')) into `schema`, every
    declared column as text. A missing required table or column stops the
    run; an absent optional table is empty, an absent column NULL. A
    Parquet file is read where it lies, through a view (its columns are
    read as they are needed, and nothing is copied); a CSV file is parsed
    once into a table. -#}
{% macro load_source_files(source_name, schema, skip=[]) %}
    {% set data_dir = arpu.billing_data_dir() | string %}
    {% do run_query('create schema if not exists ' ~ adapter.quote(schema)) %}
    {% for source in graph.sources.values()
          if source.source_name == source_name and source.name not in skip %}
        {% set table = source.name %}
        {% set columns = source.columns.values() | list %}
        {% set path = arpu.find_billing_file(data_dir, table) %}
        {% if path is none %}
            {% set select_list = [] %}
            {% for column in columns %}
                {% do select_list.append(
                    'cast(null as varchar) as ' ~ adapter.quote(column.name)) %}
            {% endfor %}
            {% if source.meta.get('required') %}
                {% set missing = "arpu: required table '" ~ table
                    ~ "' not found: expected " ~ data_dir ~ "/" ~ table
                    ~ ".csv or " ~ data_dir ~ "/" ~ table
                    ~ ".parquet (var arpu_billing_data_dir)" %}
                {% if project_name == 'arpu' %}
                    {% do exceptions.raise_compiler_error(missing) %}
                {% endif %}
                {#- In a host project the host's own models still build:
                    arpu's models that read the table fail with this
                    message, and never read an earlier load's rows. -#}
                {% do exceptions.warn(missing) %}
                {% do arpu.replace_relation(
                    schema, table, 'view',
                    'select ' ~ select_list | join(', ')
                    ~ " where error('" ~ missing | replace("'", "''") ~ "')") %}
            {% else %}
                {#- An absent optional table reads as empty, with its
                    columns. -#}
                {% do arpu.replace_relation(
                    schema, table, 'table',
                    'select ' ~ select_list | join(', ') ~ ' where false') %}
            {% endif %}
        {% else %}
            {% set reader = arpu.billing_file_reader(
                path, columns | map(attribute='name') | list) %}
            {% set select_list = [] %}
            {% for column in columns %}
                {% if column.name in reader.columns %}
                    {% do select_list.append(
                        'cast(' ~ adapter.quote(column.name)
                        ~ ' as varchar) as ' ~ adapter.quote(column.name)) %}
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
            {% do arpu.replace_relation(
                schema, table, 'view' if path.endswith('.parquet') else 'table',
                'select ' ~ select_list | join(', ') ~ ' from ' ~ reader.relation) %}
        {% endif %}
    {% endfor %}
{% endmacro %}

{#- Create or replace `schema`.`table` as a `kind` (table or view) of
    `select_sql`, whatever kind of relation held the name before (DuckDB
    replaces a table only with a table). -#}
{% macro replace_relation(schema, table, kind, select_sql) %}
    {% set name = adapter.quote(schema) ~ '.' ~ adapter.quote(table) %}
    {% set existing = run_query(
        "select table_type from information_schema.tables"
        ~ " where table_catalog = current_database()"
        ~ " and table_schema = '" ~ schema ~ "' and table_name = '" ~ table ~ "'") %}
    {% if existing.rows | length > 0 %}
        {% set existing_kind = 'view' if existing.rows[0][0] == 'VIEW' else 'table' %}
        {% if existing_kind != kind %}
            {% do run_query('drop ' ~ existing_kind ~ ' ' ~ name) %}
        {% endif %}
    {% endif %}
    {% do run_query('create or replace ' ~ kind ~ ' ' ~ name ~ ' as ' ~ select_sql) %}
{% endmacro %}

{% macro find_billing_file(data_dir, table) %}
    {% set found = [] %}
    {% for extension in ['csv', 'parquet'] %}
        {% set candidate = data_dir ~ '/' ~ table ~ '.' ~ extension %}
        {% set result = run_query(
            "select count(*) from glob("
            ~ arpu.sql_path(candidate) ~ ")") %}
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

{#- A file path as a DuckDB string literal that names that one file. DuckDB
    treats *, ? and [ in a path as a glob pattern (`--data 'd/g[ab]'` would
    read `d/ga`); a one-character class matches each of them literally. -#}
{% macro sql_path(path) %}
    {% set escaped = path | replace('[', '[[]') | replace('*', '[*]')
        | replace('?', '[?]') | replace("'", "''") %}
    {{ return("'" ~ escaped ~ "'") }}
{% endmacro %}

{#- A reader of one contract file: {relation: SQL to select from, columns:
    the contract columns it has}. Headers match the contract trimmed and in
    any case (`Discount_Amount` is discount_amount): a column dropped for
    its spelling would count discounts as revenue without a word. A
    contract column that appears twice is an error, never a silent choice
    of one copy. Every column is read as text: the contract's casts are
    stricter than DuckDB's sniffer, and staging applies them. -#}
{% macro billing_file_reader(path, contract_columns) %}
    {% set is_parquet = path.endswith('.parquet') %}
    {% if is_parquet %}
        {% set source = 'read_parquet(' ~ arpu.sql_path(path) ~ ')' %}
        {% set described = run_query('describe select * from ' ~ source) %}
        {% set names = described.columns[0].values() | list %}
        {% set types = described.columns[1].values() | list %}
    {% else %}
        {# The raw header row: DuckDB's own header handling renames a
           duplicate (`amount_1`), which would hide it. No line length
           limit: a long free-text field is not an error. #}
        {% set options = ", all_varchar = true, delim = ',', quote = '\"'"
            ~ ", escape = '\"', max_line_size = 1000000000" %}
        {# DuckDB's strict parser refuses a file whose lines end in both CRLF
           and LF (two exports put together); its relaxed one reads such a
           file as Python's csv module does, but can misread other damage
           (a lone CR, text after a closing quote). So only for the files the
           input check read and found to mix exactly those two
           (src/arpu/contract.py, which refuses the rest). #}
        {% if path.split('/')[-1] in arpu_var('csv_files_with_mixed_line_endings') %}
            {% set options = options ~ ", strict_mode = false" %}
        {% endif %}
        {% set header = run_query(
            'select * from read_csv(' ~ arpu.sql_path(path)
            ~ ', header = false' ~ options ~ ') limit 1') %}
        {% set names = header.rows[0].values() | list if header.rows else [] %}
    {% endif %}
    {% set found = [] %}
    {% set select_list = [] %}
    {% set positions = [] %}
    {% for name in names %}
        {% set key = (name or '') | trim | lower %}
        {% if key in contract_columns %}
            {% if key in found %}
                {% do exceptions.raise_compiler_error(
                    path ~ ": column '" ~ key ~ "' appears more than once in "
                    ~ "the header (names are matched trimmed and in any case)") %}
            {% endif %}
            {% do found.append(key) %}
            {% set column = adapter.quote(name if is_parquet else 'column' ~ loop.index0) %}
            {# An instant (Fivetran's UTC timestamps) is read in UTC, never
               in the session's time zone. #}
            {% if is_parquet and 'WITH TIME ZONE' in types[loop.index0] | upper %}
                {% set column = arpu.utc_timestamp_text(column) %}
            {% endif %}
            {% do select_list.append(column ~ ' as ' ~ adapter.quote(key)) %}
        {% endif %}
        {% do positions.append("'column" ~ loop.index0 ~ "'") %}
    {% endfor %}
    {% if is_parquet %}
        {% set relation = '(select ' ~ (select_list | join(', ') or 'null as no_contract_column')
            ~ ' from ' ~ source ~ ')' %}
    {% else %}
        {% set relation = '(select ' ~ (select_list | join(', ') or 'null as no_contract_column')
            ~ ' from read_csv(' ~ arpu.sql_path(path)
            ~ ', header = true, sample_size = -1, names = ['
            ~ positions | join(', ') ~ ']' ~ options ~ '))' %}
    {% endif %}
    {{ return({'relation': relation, 'columns': found}) }}
{% endmacro %}
