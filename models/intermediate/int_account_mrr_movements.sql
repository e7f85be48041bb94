-- Each account's MRR in a month against the month before (docs/metrics.md
-- section 10), for every account paying in either: an account not paying
-- has 0. A change of an account paying in both months splits into its FX
-- effect (what the rates alone changed) and a business change, which alone
-- makes an expansion or a contraction. Grain: account x month.
with

customers as (

    select * from {{ ref('int_paying_account_months') }}

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

-- MRR in each foreign currency; the reporting currency has no FX effect.
currency_months as (

    select * from {{ ref('int_account_currency_months') }}
    where currency != {{ reporting_currency() }}

),

-- The account-months to compare: paying now, or paying the month before.
candidates as (

    select
        account_id,
        month
    from customers
    union
    select
        customers.account_id,
        months.month
    from customers
    inner join months
        on customers.month = months.previous_month

),

compared as (

    select
        candidates.account_id,
        candidates.month,
        coalesce(previous_month.mrr, 0) as previous_mrr,
        coalesce(current_month.mrr, 0) as mrr,
        -- New: M is the account's cohort month, its first paying month
        -- (dim_active_customers.is_new). Paying now and never before, so 0
        -- before: section 10's new, and mart_arpu_monthly's new accounts.
        coalesce(current_month.is_new, false) as is_new
    from candidates
    inner join months
        on candidates.month = months.month
    left join customers as current_month
        on
            candidates.account_id = current_month.account_id
            and candidates.month = current_month.month
    left join customers as previous_month
        on
            candidates.account_id = previous_month.account_id
            and months.previous_month = previous_month.month

),

-- The FX effect of each currency with a positive MRR in both months
-- (compared rounded to 6 places, as account MRR is): rep(M) - orig(M) *
-- rep(M-1) / orig(M-1), written as the change in the reporting currency
-- less the change in the currency at the rate of M-1, so that an amount
-- unchanged in its currency gives exactly the change in the reporting
-- currency.
currency_effects as (

    select
        current_month.account_id,
        current_month.month,
        current_month.currency,
        current_month.mrr_amount - previous_month.mrr_amount
        -- A macro: Spark has no decimal type that holds this product.
        - cast(
            {{ money_times_ratio(
                '(current_month.original_mrr_amount'
                ~ ' - previous_month.original_mrr_amount)',
                'previous_month.mrr_amount',
                'previous_month.original_mrr_amount') }}
            as {{ type_money_precise() }}
        ) as fx_amount
    from currency_months as current_month
    inner join months
        on current_month.month = months.month
    inner join currency_months as previous_month
        on
            current_month.account_id = previous_month.account_id
            and current_month.currency = previous_month.currency
            and months.previous_month = previous_month.month
    where
        round(current_month.original_mrr_amount, 6) > 0
        and round(previous_month.original_mrr_amount, 6) > 0

),

account_effects as (

    select
        account_id,
        month,
        cast(round(sum(fx_amount), 6) as {{ type_money_rounded() }}) as fx_mrr
    from currency_effects
    group by 1, 2

),

-- Only a change between two paying months has an FX effect; the rest of
-- the change is the business change.
split as (

    select
        compared.*,
        case
            when compared.previous_mrr > 0 and compared.mrr > 0
                then coalesce(account_effects.fx_mrr, 0)
            else 0
        end as fx_mrr
    from compared
    left join account_effects
        on
            compared.account_id = account_effects.account_id
            and compared.month = account_effects.month

),

business_changes as (

    select
        *,
        mrr - previous_mrr - fx_mrr as business_change
    from split

),

classified as (

    select
        *,
        case
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
