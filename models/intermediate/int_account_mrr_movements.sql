-- Each account's MRR in a month against the month before (docs/metrics.md
-- section 10), for every account paying in either: an account not paying
-- has 0. The change of an account paying in both months is its FX effect
-- (int_account_months.fx_mrr, what the rates alone changed) and a business
-- change, which alone makes an expansion or a contraction. Grain: account x
-- month. A view: mart_mrr_movements sums it.
{{ config(materialized='view') }}

with

account_months as (

    select * from {{ ref('int_account_months') }}
    where is_paying or previous_mrr > 0

),

paying_mrr as (

    select
        account_id,
        month,
        previous_mrr,
        case
            when is_paying then mrr
            else cast(0 as {{ type_money_rounded() }})
        end as mrr,
        coalesce(is_new, false) as is_new,
        fx_mrr
    from account_months

),

business_changes as (

    select
        *,
        mrr - previous_mrr - fx_mrr as business_change
    from paying_mrr

),

classified as (

    select
        *,
        case
            -- M is the account's cohort month, its first paying month:
            -- paying now and never before, so 0 before (section 10's new,
            -- and mart_arpu_monthly's new accounts).
            when is_new then 'new'
            -- Paying now, not before, but not new: paid before M.
            when previous_mrr = 0 and mrr > 0 then 'reactivation'
            when previous_mrr > 0 and mrr = 0 then 'churn'
            -- Paying in both months: the business change decides, even
            -- against the direction of the whole change.
            when business_change > 0 then 'expansion'
            when business_change < 0 then 'contraction'
            else 'unchanged'
        end as movement_type
    from business_changes

),

final as (

    select
        account_id,
        month,
        previous_mrr,
        mrr,
        movement_type,
        case
            when movement_type = 'new' then mrr else 0
        end as new_mrr,
        case
            when movement_type = 'reactivation' then mrr else 0
        end as reactivation_mrr,
        case
            when movement_type = 'expansion' then business_change else 0
        end as expansion_mrr,
        case
            when movement_type = 'contraction' then -business_change else 0
        end as contraction_mrr,
        case
            when movement_type = 'churn' then previous_mrr else 0
        end as churned_mrr,
        fx_mrr
    from classified

)

select * from final
