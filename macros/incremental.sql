{#- Incremental runs (docs/incremental.md). -#}

{#- A custom incremental strategy: every row of the target whose key is in
    the new batch is deleted, then the batch is inserted. Unlike dbt's
    delete+insert, a batch row whose `key_only_when_null` column is NULL
    only carries its key: it deletes the key's old rows and is not
    inserted. That is how a line that no longer contributes (voided,
    refunded to nothing, cut by the as-of date) leaves fct_revenue. -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set marker = config.get('key_only_when_null') -%}
    {%- if not key or key is not string -%}
        {{ exceptions.raise_compiler_error(
            "replace_keys needs unique_key set to one column") }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(
        arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ key }} in (select {{ key }} from {{ batch }});

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ batch }}
    {%- if marker %}
    where {{ marker }} is not null
    {%- endif %}
{%- endmacro %}

{#- The earliest updated_at an incremental run reads again, as a literal:
    the latest one already in `relation`, minus
    var('incremental_lookback_days') days, for rows whose source commits
    out of order. A literal, not a subquery, so that the engine can filter
    rows before it computes anything else of them. NULL when `relation` is
    empty. -#}
{% macro incremental_since(relation, column='updated_at') -%}
    {%- set days = var('incremental_lookback_days') | int -%}
    {%- if not execute -%}
        {{ return('cast(null as ' ~ dbt.type_timestamp() ~ ')') }}
    {%- endif -%}
    {%- set latest = run_query(
        'select cast(' ~ dbt.dateadd('day', -days, 'max(' ~ column ~ ')')
        ~ ' as ' ~ dbt.type_string() ~ ') from ' ~ relation
    ).columns[0].values()[0] -%}
    {%- if latest is none -%}
        {{ return('cast(null as ' ~ dbt.type_timestamp() ~ ')') }}
    {%- endif -%}
    {{ return("cast('" ~ latest ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- A hash of the given columns' values, NULL and empty text apart, that
    changes when any of them changes: incremental models compare it to find
    the rows whose inputs changed. Each value is length-prefixed, so no two
    different rows of values concatenate to the same text. -#}
{% macro row_fingerprint(columns) %}
    {{ return(adapter.dispatch('row_fingerprint', 'arpu')(columns)) }}
{% endmacro %}

{% macro default__row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- set text = 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        {%- do parts.append(
            "coalesce(cast(length(" ~ text ~ ") as " ~ dbt.type_string()
            ~ ") || ':' || " ~ text ~ ", '-')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}

{#- DuckDB: its 64-bit hash of the values, many times faster than md5 of
    their text. A changed line keeps its old hash with odds of 2^-64. -#}
{% macro duckdb__row_fingerprint(columns) -%}
    cast(hash({{ columns | join(', ') }}) as {{ dbt.type_string() }})
{%- endmacro %}

{#- The materialization of the incremental models. Spark on plain Parquet
    has neither `delete` nor `merge`, which delete+insert and replace_keys
    need: there they are tables, rebuilt in full on every run, and their
    is_incremental() branches are never taken (docs/incremental.md,
    "Spark"). -#}
{% macro incremental_materialization() %}
    {{ return(adapter.dispatch('incremental_materialization', 'arpu')()) }}
{% endmacro %}

{% macro default__incremental_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__incremental_materialization() %}
    {{ return('table') }}
{% endmacro %}
