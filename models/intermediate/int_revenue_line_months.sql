-- The line x month revenue logic: one row per line that counts and month
-- it contributes to, with its MRR contribution (metrics.md section 3) and
-- its recognized revenue (section 5), in the reporting currency. fct_revenue
-- publishes it as it is; the account months read it here.
--
-- Incremental (docs/incremental.md): a run replaces every row of the lines
-- whose values changed (line_fingerprint), appeared or left, and of the
-- lines that cover the previous build's last month or later (its as-of
-- month was partial, and new months may have begun). on_schema_change is
-- not 'fail' because PostgreSQL would report its text batch against the
-- table's varchar columns as a change.
-- On Spark (plain Parquet: no delete) it is a table, rebuilt every run.
{%- set line_columns = [
    'line_item_id', 'account_id', 'invoice_id', 'subscription_id', 'plan_id',
    'charge_type', 'is_recurring', 'period_start', 'period_end',
    'invoice_date', 'period_days', 'net_amount', 'monthly_amount',
    'gross_monthly_amount'] %}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='replace_keys',
    unique_key='line_item_id',
    key_only_when_null='month',
    on_schema_change='append_new_columns',
) }}

with

normalized as (

    select * from {{ ref('int_invoice_line_items_normalized') }}

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

revenue_lines as (

    select
        *,
        {{ covered_from() }} as covered_from,
        {{ covered_until() }} as covered_until,
        {{ row_fingerprint(line_columns) }} as line_fingerprint
    from normalized
    -- Tax sets the months reported but is never revenue.
    where {{ is_revenue_line() }}

),

{% if is_incremental() %}

previous_lines as (

    select distinct
        line_item_id,
        line_fingerprint
    from {{ this }}

),

-- The previous build's last month, or the new as-of month if earlier.
recompute_from as (

    select
        least(
            (select max(month) from {{ this }}),
            (select max(month) from months)
        ) as month

),

changed_lines as (

    select
        coalesce(
            revenue_lines.line_item_id, previous_lines.line_item_id
        ) as line_item_id
    from revenue_lines
    full outer join previous_lines
        on revenue_lines.line_item_id = previous_lines.line_item_id
    cross join recompute_from
    where
        revenue_lines.line_fingerprint
        is distinct from previous_lines.line_fingerprint
        or revenue_lines.covered_until > recompute_from.month
        -- An empty fact before (no previous month): every line.
        or recompute_from.month is null

),

{% endif %}

line_items as (

    select revenue_lines.*
    from revenue_lines
    {%- if is_incremental() %}
    where
        line_item_id in (select changed_lines.line_item_id from changed_lines)
    {%- endif %}

),

line_months as (

    select
        line_items.*,
        months.month,
        months.snapshot_date,
        months.next_month,
        months.as_of_date
    from line_items
    -- [covered_from, covered_until) overlaps the month.
    inner join months
        on
            line_items.covered_from <= months.month_end
            and line_items.covered_until > months.month

),

measured as (

    select
        *,
        coalesce(
            is_recurring
            and period_start <= snapshot_date
            and snapshot_date < period_end,
            false
        ) as is_mrr_contribution,
        -- Days of [period_start, period_end) inside the month, up to and
        -- including the as-of date.
        case
            when period_start is not null
                then greatest(
                    {{ days_between(
                        'greatest(period_start, month)',
                        'least(period_end, next_month, '
                        ~ add_days('as_of_date', 1) ~ ')') }},
                    0
                )
        end as recognized_days
    from line_months

),

contributions as (

    select
        line_item_id,
        month,
        account_id,
        invoice_id,
        subscription_id,
        plan_id,
        charge_type,
        is_recurring,
        is_mrr_contribution,
        case
            when is_mrr_contribution then monthly_amount
            else cast(0 as {{ type_money_precise() }})
        end as mrr_amount,
        case
            when is_mrr_contribution then gross_monthly_amount
            else cast(0 as {{ type_money_precise() }})
        end as gross_mrr_amount,
        recognized_days,
        cast(
            case
                when period_start is null then net_amount
                else {{ prorate(
                    'net_amount', 'recognized_days', 'period_days') }}
            end as {{ type_money_precise() }}
        ) as recognized_revenue,
        line_fingerprint
    from measured
    where
        is_mrr_contribution
        or recognized_days > 0
        or (period_start is null and month = {{ month_of('invoice_date') }})

),

{% if is_incremental() %}

-- Each changed line once more with month NULL: it only carries the key, so
-- that the replace_keys strategy deletes the line's old rows even when it
-- has no row left.
removals as (

    select
        line_item_id,
        -- Typed: PostgreSQL types a bare NULL in a CTE as text, which a
        -- union with a date column refuses.
        cast(null as date) as month,
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        cast(null as {{ dbt.type_string() }}) as subscription_id,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        cast(null as {{ dbt.type_string() }}) as charge_type,
        cast(null as {{ dbt.type_boolean() }}) as is_recurring,
        cast(null as {{ dbt.type_boolean() }}) as is_mrr_contribution,
        cast(null as {{ type_money_precise() }}) as mrr_amount,
        cast(null as {{ type_money_precise() }}) as gross_mrr_amount,
        cast(null as {{ dbt.type_bigint() }}) as recognized_days,
        cast(null as {{ type_money_precise() }}) as recognized_revenue,
        cast(null as {{ dbt.type_string() }}) as line_fingerprint
    from changed_lines

),

{% endif %}

final as (

    select * from contributions
    {%- if is_incremental() %}
    union all
    select * from removals
    {%- endif %}

)

select * from final
