-- docs/metrics.md section 10: closing = opening + new + expansion +
-- reactivation - contraction - churned, closing = mart_arpu_monthly.mrr,
-- and each month opens where the month before closed. Exact decimals.
with

movements as (

    select * from {{ ref('mart_mrr_movements') }}

),

monthly as (

    select * from {{ ref('mart_arpu_monthly') }}

),

checked as (

    select
        movements.*,
        monthly.mrr as monthly_mrr,
        coalesce(
            lag(movements.closing_mrr) over (order by movements.month), 0
        ) as previous_closing_mrr
    from movements
    inner join monthly
        on movements.month = monthly.month

),

final as (

    select *
    from checked
    where
        closing_mrr
        != opening_mrr + new_mrr + expansion_mrr + reactivation_mrr
        - contraction_mrr - churned_mrr
        or closing_mrr != monthly_mrr
        or opening_mrr != previous_closing_mrr

)

select * from final
