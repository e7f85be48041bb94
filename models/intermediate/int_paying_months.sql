-- Paying accounts, users, MRR, ARPA and ARPU of every reported month, with
-- the same values a month earlier (docs/metrics.md sections 7, 11, 13 and
-- 14): the one place the marts take "the month before" from. The month
-- before the first reported one counts 0 paying accounts and 0 MRR, and
-- has no ARPA or ARPU. Grain: month.
with

months as (

    select * from {{ ref('int_reporting_months') }}

),

customers as (

    select * from {{ ref('dim_active_customers') }}

),

paying as (

    select
        month,
        count(*) as paying_accounts,
        sum(user_count) as paying_users,
        sum(mrr) as mrr
    from customers
    group by 1

),

-- Every reported month, with zero counts where nobody pays.
filled as (

    select
        months.month,
        months.previous_month,
        cast(
            coalesce(paying.paying_accounts, 0) as {{ dbt.type_bigint() }}
        ) as paying_accounts,
        cast(
            coalesce(paying.paying_users, 0) as {{ dbt.type_bigint() }}
        ) as paying_users,
        coalesce(paying.mrr, 0) as mrr
    from months
    left join paying
        on months.month = paying.month

),

with_ratios as (

    select
        *,
        {{ safe_ratio('mrr', 'paying_accounts') }} as arpa,
        {{ safe_ratio('mrr', 'paying_users') }} as arpu
    from filled

),

final as (

    select
        current_month.month,
        current_month.paying_accounts,
        current_month.paying_users,
        current_month.mrr,
        current_month.arpa,
        current_month.arpu,
        coalesce(previous_month.paying_accounts, 0)
            as previous_paying_accounts,
        coalesce(previous_month.mrr, 0) as previous_mrr,
        previous_month.arpa as previous_arpa,
        previous_month.arpu as previous_arpu
    from with_ratios as current_month
    left join with_ratios as previous_month
        on current_month.previous_month = previous_month.month

)

select * from final
