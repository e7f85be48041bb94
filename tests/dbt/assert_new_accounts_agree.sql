-- docs/metrics.md sections 7 and 10: a new account is one in its first
-- paying month (cohort month), so mart_mrr_movements.new_accounts (movement
-- `new`: 0 before, never paid before, paying now) equals
-- mart_arpu_monthly.new_accounts in every month. A failing row names the
-- month, with both counts (NULL where a mart has no row for the month).
with

monthly as (

    select * from {{ ref('mart_arpu_monthly') }}

),

movements as (

    select * from {{ ref('mart_mrr_movements') }}

),

final as (

    select
        coalesce(monthly.month, movements.month) as month,
        monthly.new_accounts as monthly_new_accounts,
        movements.new_accounts as movements_new_accounts
    from monthly
    full outer join movements
        on monthly.month = movements.month
    where
        monthly.month is null
        or movements.month is null
        or monthly.new_accounts != movements.new_accounts

)

select * from final
