{#- The rules that decide which invoice lines reach the metrics and which
    dates they cover (docs/metrics.md sections 1, 5 and 6). Each is written
    here once; `relation` is the alias that prefixes the line's columns,
    for a query that reads more than one relation. -#}

{#- metrics.md section 1 (and reading 1), the lines that count: lines of
    real (non-test) accounts, paid or open, invoiced on or before the as-of
    date. Without `as_of_date`, the cut is left out: the as-of date itself
    is the latest invoice date of these lines. -#}
{% macro is_line_that_counts(relation=none, as_of_date=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    (
        not {{ prefix }}is_test_account
        and {{ prefix }}invoice_status in ('paid', 'open')
        {%- if as_of_date is not none %}
        and {{ prefix }}invoice_date <= {{ as_of_date }}
        {%- endif %}
    )
{%- endmacro %}

{#- metrics.md sections 1 and 5: tax lines count for the months reported
    but are never revenue. -#}
{% macro is_revenue_line(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}charge_type != 'tax'
{%- endmacro %}

{#- The first day a line covers: its period_start, or its invoice date
    when it has no service period (metrics.md section 5). -#}
{% macro covered_from(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    coalesce({{ prefix }}period_start, {{ prefix }}invoice_date)
{%- endmacro %}

{#- The day after the last day a line covers (exclusive, as period_end
    is): its period_end, or the day after its invoice date when it has no
    service period (metrics.md section 5). -#}
{% macro covered_until(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    coalesce(
        {{ prefix }}period_end, {{ arpu.add_days(prefix ~ 'invoice_date', 1) }}
    )
{%- endmacro %}
