-- docs/metrics.md section 10: closing = opening + new + expansion +
-- reactivation - contraction - churned + fx, closing =
-- mart_arpu_monthly.mrr, and each month opens where the month before
-- closed. The sums are exact decimals; the tolerance is relative to the
-- month's MRR all the same (1e-9 of it, at least 1e-9), so that it holds at
-- any scale. A failing row names the month and the rule it broke.
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

differences as (

    select
        month,
        closing_mrr,
        closing_mrr - (
            opening_mrr + new_mrr + expansion_mrr + reactivation_mrr
            - contraction_mrr - churned_mrr + fx_mrr
        ) as identity_difference,
        closing_mrr - monthly_mrr as monthly_difference,
        opening_mrr - previous_closing_mrr as opening_difference,
        1e-9 * greatest(1, abs(closing_mrr), abs(opening_mrr)) as tolerance
    from checked

),

identity_broken as (

    select
        month,
        'closing_mrr != opening_mrr plus the movements' as failed_rule,
        identity_difference as difference
    from differences
    where abs(identity_difference) > tolerance

),

monthly_broken as (

    select
        month,
        'closing_mrr != mart_arpu_monthly.mrr' as failed_rule,
        monthly_difference as difference
    from differences
    where abs(monthly_difference) > tolerance

),

opening_broken as (

    select
        month,
        'opening_mrr != closing_mrr of the month before' as failed_rule,
        opening_difference as difference
    from differences
    where abs(opening_difference) > tolerance

),

final as (

    select * from identity_broken
    union all
    select * from monthly_broken
    union all
    select * from opening_broken

)

select * from final
