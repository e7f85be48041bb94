{#- A line's money (docs/metrics.md sections 1 and 2), each rule written
    once: the select-list columns that int_invoice_line_items_converted and
    int_invoice_line_items_normalized publish for every line, and that
    int_revenue_line_months computes for the lines it recomputes only (a
    view's columns are computed for every row before a join can choose
    some). Each reads the columns of the step before: `relation` is the
    alias that prefixes them. -#}

{#- Section 1: net amount = amount - discount_amount - refunds, in the
    line's currency (original_net_amount) and converted at its rate
    (net_amount); gross amount = amount, converted. Needs amount,
    discount_amount, refunded_amount and rate_to_reporting. -#}
{% macro converted_amounts(relation) -%}
    {%- set p = relation ~ '.' -%}
        -- The net amount before conversion, in the line's currency: the FX
        -- effect of MRR movements (section 10) compares it across months.
        cast(
            {{ p }}amount - {{ p }}discount_amount - {{ p }}refunded_amount
            as {{ arpu.type_money_precise() }}
        ) as original_net_amount,
        -- Fits: the contract's range (macros/contract/strict_casts.sql, money_limit)
        -- keeps these products under 3e19, inside DuckDB's decimal(38, 18)
        -- for a product of money and a rate.
        cast(
            ({{ p }}amount - {{ p }}discount_amount - {{ p }}refunded_amount)
            * {{ p }}rate_to_reporting
            as {{ arpu.type_money_precise() }}
        ) as net_amount,
        cast(
            {{ p }}amount * {{ p }}rate_to_reporting
            as {{ arpu.type_money_precise() }}
        ) as gross_amount
{%- endmacro %}

{#- Section 2, the service period in months and days. Needs period_start
    and period_end. -#}
{% macro period_lengths(relation) -%}
    {%- set p = relation ~ '.' -%}
        case
            when {{ p }}period_start is not null
                then {{ arpu.period_months(p ~ 'period_start', p ~ 'period_end') }}
        end as period_months,
        case
            when {{ p }}period_start is not null
                then {{ arpu.days_between(p ~ 'period_start', p ~ 'period_end') }}
        end as period_days
{%- endmacro %}

{#- Section 2, a recurring line as a monthly amount: its net (gross,
    original net) amount / period_months; NULL for other lines. Needs
    is_recurring, period_months and the amounts of converted_amounts. -#}
{% macro monthly_amounts(relation) -%}
    {%- set p = relation ~ '.' -%}
        -- The cast outside the CASE: PostgreSQL drops the type's precision
        -- and scale from a CASE whose ELSE is the implicit NULL.
        cast(
            case when {{ p }}is_recurring then {{ p }}net_amount / {{ p }}period_months end
            as {{ arpu.type_money_precise() }}
        ) as monthly_amount,
        cast(
            case when {{ p }}is_recurring then {{ p }}gross_amount / {{ p }}period_months end
            as {{ arpu.type_money_precise() }}
        ) as gross_monthly_amount,
        -- The monthly amount before conversion, in the line's currency.
        cast(
            case
                when {{ p }}is_recurring
                    then {{ p }}original_net_amount / {{ p }}period_months
            end
            as {{ arpu.type_money_precise() }}
        ) as original_monthly_amount
{%- endmacro %}
