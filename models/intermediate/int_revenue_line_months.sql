-- The line x month revenue logic: one row per line that counts and month
-- it contributes to, with its MRR contribution (metrics.md section 3) and
-- its recognized revenue (section 5), in the reporting currency. fct_revenue
-- publishes it; the account months read it.
--
-- Incremental (docs/incremental.md): a run recomputes every line whose
-- digest changed (a line new, changed, gone, refunded, converted at another
-- rate, or counting no more), and every line that covers the open months:
-- the month of the as-of date under which the stored rows were computed,
-- and any month after it. Months before are closed: nothing but the line's
-- own inputs changes its rows there.
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
    meta={
        'computed_in': 'computed_in_invocation',
        'published_as': 'fct_revenue',
    },
    on_schema_change='append_new_columns',
) }}

with

-- The lines that count (metrics.md section 1; tax sets the months reported
-- but is never revenue), as the converted lines carry them: no amount is
-- computed yet.
converted as (

    select
        line_item_id,
        invoice_id,
        account_id,
        subscription_id,
        plan_id,
        charge_type,
        invoice_status,
        currency,
        amount,
        discount_amount,
        refunded_amount,
        rate_to_reporting,
        is_recurring,
        is_test_account,
        period_start,
        period_end,
        invoice_date,
        source_fingerprint
    from {{ ref('int_invoice_line_items_converted') }}

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

as_of as (

    select max(as_of_date) as as_of_date from months

),

revenue_lines as (

    select converted.*
    from converted
    cross join as_of
    where
        {{ is_line_that_counts('converted', 'as_of.as_of_date') }}
        and {{ is_revenue_line('converted') }}

),

-- Per line, everything its rows are computed from but the as-of date: its
-- staged text, the rate it was converted at and its refunds.
digested_lines as (

    select
        revenue_lines.*,
        {{ hash_values([
            'source_fingerprint', 'rate_to_reporting', 'refunded_amount'])
        }} as line_digest
    from revenue_lines

),

{% if is_incremental() %}

stored_lines as (

    select
        line_item_id,
        min(line_digest) as line_digest
    from {{ this }}
    group by 1

),

-- New, changed and gone lines. A line that counts but has no row (nothing
-- to report yet) is found again on every run, and computed to no row.
changed_lines as (

    select
        coalesce(digested_lines.line_item_id, stored_lines.line_item_id)
            as line_item_id
    from digested_lines
    full outer join stored_lines
        on digested_lines.line_item_id = stored_lines.line_item_id
    where digested_lines.line_digest is distinct from stored_lines.line_digest

),

-- The open months: from the month of the as-of date the stored rows were
-- computed under, or of the new as-of date if earlier.
open_from as (

    select
        least(
            {{ month_of('(select max(as_of_date) from ' ~ this ~ ')') }},
            {{ month_of('(select as_of_date from as_of)') }}
        ) as month

),

lines_to_compute as (

    select changed_lines.line_item_id
    from changed_lines

    union

    select revenue_lines.line_item_id
    from revenue_lines
    cross join open_from
    where
        {{ covered_until('revenue_lines') }} > open_from.month
        -- An empty fact before: every line.
        or open_from.month is null

    union

    select stored.line_item_id
    from {{ this }} as stored
    cross join open_from
    where stored.month >= open_from.month

),

{% endif %}

-- The lines to compute, their amounts only now
-- (macros/metrics/line_amounts.sql).
scoped_lines as (

    select
        digested_lines.*,
        {{ converted_amounts('digested_lines') }},
        {{ period_lengths('digested_lines') }}
    from digested_lines
    {%- if is_incremental() %}
    where
        digested_lines.line_item_id in (
            select lines_to_compute.line_item_id from lines_to_compute
        )
    {%- endif %}

),

monthly_lines as (

    select
        scoped_lines.*,
        {{ monthly_amounts('scoped_lines') }},
        {{ covered_from('scoped_lines') }} as covered_from,
        {{ covered_until('scoped_lines') }} as covered_until
    from scoped_lines

),

line_items as (

    select
        *,
        {{ row_fingerprint(line_columns) }} as line_fingerprint
    from monthly_lines

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
        measured.line_item_id,
        measured.month,
        measured.account_id,
        measured.invoice_id,
        measured.subscription_id,
        measured.plan_id,
        measured.charge_type,
        measured.currency,
        measured.is_recurring,
        measured.is_mrr_contribution,
        case
            when measured.is_mrr_contribution then measured.monthly_amount
            else cast(0 as {{ type_money_precise() }})
        end as mrr_amount,
        case
            when measured.is_mrr_contribution
                then measured.gross_monthly_amount
            else cast(0 as {{ type_money_precise() }})
        end as gross_mrr_amount,
        -- In the line's currency: the FX effect (section 10) compares it.
        case
            when measured.is_mrr_contribution
                then measured.original_monthly_amount
            else cast(0 as {{ type_money_precise() }})
        end as original_mrr_amount,
        measured.recognized_days,
        cast(
            case
                when measured.period_start is null then measured.net_amount
                else {{ prorate(
                    'measured.net_amount', 'measured.recognized_days',
                    'measured.period_days') }}
            end as {{ type_money_precise() }}
        ) as recognized_revenue,
        measured.line_fingerprint,
        measured.line_digest,
        measured.as_of_date,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
            as computed_in_invocation
    from measured
    where
        measured.is_mrr_contribution
        or measured.recognized_days > 0
        or (
            measured.period_start is null
            and measured.month = {{ month_of('measured.invoice_date') }}
        )

),

{% if is_incremental() %}

-- Each line to compute once more with month NULL: it only carries the key,
-- so that the replace_keys strategy deletes the line's old rows even when
-- it has no row left.
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
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_boolean() }}) as is_recurring,
        cast(null as {{ dbt.type_boolean() }}) as is_mrr_contribution,
        cast(null as {{ type_money_precise() }}) as mrr_amount,
        cast(null as {{ type_money_precise() }}) as gross_mrr_amount,
        cast(null as {{ type_money_precise() }}) as original_mrr_amount,
        cast(null as {{ dbt.type_bigint() }}) as recognized_days,
        cast(null as {{ type_money_precise() }}) as recognized_revenue,
        cast(null as {{ dbt.type_string() }}) as line_fingerprint,
        cast(null as {{ digest_type() }}) as line_digest,
        cast(null as date) as as_of_date,
        cast(null as {{ dbt.type_string() }}) as computed_in_invocation
    from lines_to_compute

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
