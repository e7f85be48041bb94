{#- The newest load time of invoice_line_items for `dbt source freshness`
    (its loaded_at_query). The contract tables hold text, so by default the
    time is read with the contract's strict cast: a malformed value is NULL
    and must not fail the check (DuckDB's try_cast does not exist on other
    engines). On a warehouse with typed columns set the var
    `invoice_lines_loaded_at` to e.g. "coalesce(updated_at, invoice_date)". -#}
{% macro invoice_lines_loaded_at_query(relation) -%}
    {%- set expression = arpu_var('invoice_lines_loaded_at') | string | trim -%}
    {%- if not expression -%}
        {#- Cleaned as staging cleans them: padded values read, and an
            empty updated_at falls back to invoice_date. -#}
        {%- set expression = arpu.strict_cast(
            'coalesce(' ~ arpu.clean_text('updated_at') ~ ', '
            ~ arpu.clean_text('invoice_date') ~ ')', 'timestamp') -%}
    {%- endif -%}
    {#- A time more than a day after now (a wrong clock, a placeholder like
        2099-01-01) would keep the source fresh forever: it is ignored. -#}
    select max(
        case
            when {{ expression }} <= {{ dbt.dateadd('day', 1, arpu.run_started_timestamp()) }}
                then {{ expression }}
        end
    )
    from {{ relation }}
{%- endmacro %}

{#- When this dbt run started (UTC), as a timestamp literal: the build's
    "now", the same in every model of the run. -#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
