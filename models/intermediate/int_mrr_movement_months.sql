-- Where MRR came from and went (docs/metrics.md section 10), summed over
-- the accounts' movements: what mart_mrr_movements publishes and
-- mart_unit_economics reads. Grain: month. closing = opening + new +
-- expansion + reactivation - contraction - churned + fx.
with

months as (

    select * from {{ ref('int_reporting_months') }}

),

movements as (

    select * from {{ ref('int_account_mrr_movements') }}

),

per_month as (

    select
        month,
        sum(previous_mrr) as opening_mrr,
        sum(new_mrr) as new_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(reactivation_mrr) as reactivation_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(fx_mrr) as fx_mrr,
        sum(mrr) as closing_mrr,
        sum(case when movement_type = 'new' then 1 else 0 end)
            as new_accounts,
        sum(case when movement_type = 'reactivation' then 1 else 0 end)
            as reactivated_accounts,
        sum(case when movement_type = 'churn' then 1 else 0 end)
            as churned_accounts
    from movements
    group by 1

),

final as (

    select
        months.month,
        coalesce(per_month.opening_mrr, 0) as opening_mrr,
        coalesce(per_month.new_mrr, 0) as new_mrr,
        coalesce(per_month.expansion_mrr, 0) as expansion_mrr,
        coalesce(per_month.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(per_month.contraction_mrr, 0) as contraction_mrr,
        coalesce(per_month.churned_mrr, 0) as churned_mrr,
        coalesce(per_month.fx_mrr, 0) as fx_mrr,
        coalesce(per_month.closing_mrr, 0) as closing_mrr,
        cast(
            coalesce(per_month.new_accounts, 0) as {{ dbt.type_bigint() }}
        ) as new_accounts,
        cast(
            coalesce(per_month.reactivated_accounts, 0)
            as {{ dbt.type_bigint() }}
        ) as reactivated_accounts,
        cast(
            coalesce(per_month.churned_accounts, 0) as {{ dbt.type_bigint() }}
        ) as churned_accounts
    from months
    left join per_month
        on months.month = per_month.month

)

select * from final
