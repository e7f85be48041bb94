{#- The calendar month of a date, keyed by its first day (metrics.md: a
    month is keyed by its first day). -#}
{% macro month_of(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}

{% macro add_months(expression, months) -%}
    cast({{ dbt.dateadd('month', months, expression) }} as date)
{%- endmacro %}

{% macro add_days(expression, days) -%}
    cast({{ dbt.dateadd('day', days, expression) }} as date)
{%- endmacro %}

{#- Whole days from start to end, as a bigint on every engine (DuckDB's
    date_diff is a bigint, PostgreSQL's date - date an integer). -#}
{% macro days_between(start, end) -%}
    cast({{ dbt.datediff(start, end, 'day') }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- Calendar months from start to end, ignoring the days: Jan 31 to Feb 1
    is 1. Written from year and month so every engine agrees. -#}
{% macro calendar_months_between(start, end) -%}
    (
        ({{ arpu.date_part('year', end) }} - {{ arpu.date_part('year', start) }}) * 12
        + {{ arpu.date_part('month', end) }} - {{ arpu.date_part('month', start) }}
    )
{%- endmacro %}

{#- A calendar part of a date as an integer. `extract` is standard SQL on
    every engine we target; the cast evens out its return types. -#}
{% macro date_part(part, expression) -%}
    cast(extract({{ part }} from {{ expression }}) as integer)
{%- endmacro %}
