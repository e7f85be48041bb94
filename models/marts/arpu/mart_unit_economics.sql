-- Churn, LTV, CAC and payback per month (docs/metrics.md section 11).
-- gross_margin is the dbt var arpu_gross_margin (default 0.8). A month
-- without an accepted acquisition_spend row has no spend data, not zero
-- spend: its acquisition_spend and cac are NULL, and so are the ratios built
-- on cac.
{%- set gross_margin = arpu_var('gross_margin') %}

with

-- Paying accounts, ARPA and new accounts of the month and the month
-- before (0 before the first reported month): the whole base's rows.
monthly as (

    select * from {{ ref('int_segment_months') }}
    where segment_type = '{{ whole_base() }}'

),

movements as (

    select * from {{ ref('int_mrr_movement_months') }}

),

spend as (

    {{ accepted('acquisition_spend') }}

),

spend_per_month as (

    select
        spend_month as month,
        sum(amount) as acquisition_spend
    from spend
    group by 1

),

joined as (

    select
        monthly.month,
        monthly.paying_accounts,
        monthly.arpa,
        monthly.new_accounts,
        monthly.new_arpa,
        movements.churned_accounts,
        spend_per_month.acquisition_spend,
        monthly.previous_paying_accounts,
        sum(movements.churned_accounts) over (
            order by monthly.month rows between 11 preceding and current row
        ) as churned_accounts_12m,
        -- Months before the first reported one count 0 paying accounts.
        coalesce(sum(monthly.paying_accounts) over (
            order by monthly.month rows between 12 preceding and 1 preceding
        ), 0) as paying_accounts_12m
    from monthly
    inner join movements
        on monthly.month = movements.month
    left join spend_per_month
        on monthly.month = spend_per_month.month

),

rates as (

    select
        *,
        {{ safe_ratio('churned_accounts', 'previous_paying_accounts') }}
            as logo_churn_rate,
        {{ safe_ratio('churned_accounts_12m', 'paying_accounts_12m') }}
            as churn_rate_12m,
        {{ safe_ratio('acquisition_spend', 'new_accounts') }} as cac
    from joined

),

valued as (

    select
        *,
        arpa * {{ gross_margin }} / nullif(churn_rate_12m, 0) as ltv,
        cac / nullif(new_arpa * {{ gross_margin }}, 0)
            as cac_payback_months
    from rates

),

final as (

    select
        month,
        cast(paying_accounts as {{ dbt.type_bigint() }}) as paying_accounts,
        arpa,
        cast(new_accounts as {{ dbt.type_bigint() }}) as new_accounts,
        new_arpa,
        cast(churned_accounts as {{ dbt.type_bigint() }}) as churned_accounts,
        logo_churn_rate,
        churn_rate_12m,
        cast({{ gross_margin }} as {{ type_double() }}) as gross_margin,
        ltv,
        acquisition_spend,
        cac,
        cac_payback_months,
        ltv / nullif(cac, 0) as ltv_to_cac
    from valued

)

select * from final
