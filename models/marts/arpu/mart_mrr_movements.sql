-- Where MRR came from and went (docs/metrics.md section 10), as
-- int_mrr_movement_months sums it. Grain: month.
with

movement_months as (

    select * from {{ ref('int_mrr_movement_months') }}

),

final as (

    select
        month,
        opening_mrr,
        new_mrr,
        expansion_mrr,
        reactivation_mrr,
        contraction_mrr,
        churned_mrr,
        fx_mrr,
        closing_mrr,
        new_accounts,
        reactivated_accounts,
        churned_accounts
    from movement_months

)

select * from final
