{#
    metrics.md section 2: the length of a service period [start, end) in
    months. Whole months k >= 1 when one billing anchor day gives both
    dates (day clamped to the month's length): end = start + k months, or
    start is the last day of its month and end is the last day of its month
    or on a later day of the month than start. Otherwise days / (365.25 / 12).
#}
{% macro is_whole_month_period(start, end) -%}
    {%- set k = arpu.calendar_months_between(start, end) -%}
    (
        {{ k }} >= 1
        and (
            {{ end }} = {{ arpu.add_months(start, k) }}
            or (
                {{ start }} = cast({{ dbt.last_day(start, 'month') }} as date)
                and (
                    {{ end }} = cast({{ dbt.last_day(end, 'month') }} as date)
                    or {{ arpu.date_part('day', end) }}
                    >= {{ arpu.date_part('day', start) }}
                )
            )
        )
    )
{%- endmacro %}

{% macro period_months(start, end) -%}
    case
        when {{ arpu.is_whole_month_period(start, end) }}
            then cast({{ arpu.calendar_months_between(start, end) }} as {{ arpu.type_double() }})
        {#- As a double on every engine: PostgreSQL would divide an integer
            by the numeric literal in numeric arithmetic. -#}
        else cast({{ arpu.days_between(start, end) }} as {{ arpu.type_double() }}) / (365.25 / 12)
    end
{%- endmacro %}
