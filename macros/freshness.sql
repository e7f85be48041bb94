{#- The newest load time of invoice_line_items for `dbt source freshness`
    (its loaded_at_query). The contract tables hold text, so by default the
    time is read with the contract's strict cast: a malformed value is NULL
    and must not fail the check (DuckDB's try_cast does not exist on other
    engines). On a warehouse with typed columns set the var
    `invoice_lines_loaded_at` to e.g. "coalesce(updated_at, invoice_date)". -#}
{% macro invoice_lines_loaded_at_query(relation) -%}
    {%- set expression = var('invoice_lines_loaded_at', '') | string | trim -%}
    {%- if not expression -%}
        {#- Cleaned as staging cleans them: padded values read, and an
            empty updated_at falls back to invoice_date. -#}
        {%- set expression = arpu.strict_cast(
            'coalesce(' ~ arpu.clean_text('updated_at') ~ ', '
            ~ arpu.clean_text('invoice_date') ~ ')', 'timestamp') -%}
    {%- endif -%}
    select max({{ expression }}) from {{ relation }}
{%- endmacro %}
