-- Every staged subscription row with its verdict: typed values, original
-- text and rejection_reasons (NULL = accepted). Grain: one row per row of
-- stg_billing__subscriptions. The one place subscriptions are judged:
-- later models read it through the accepted() and rejected() macros
-- (macros/contract/quarantine.sql).
with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

accepted_accounts as (

    {{ accepted('accounts', 'account_id') }}

),

keyed as (

    select
        subscriptions.*,
        accepted_accounts.account_id is not null as has_accepted_account,
        count(*) over (
            partition by subscriptions.subscription_id
        ) as rows_with_key
    from subscriptions
    left join accepted_accounts
        on subscriptions.account_id = accepted_accounts.account_id

),

checked as (

    select
        *,
        {{ finish_reasons(reason_codes([
            ('subscription_id is not null and rows_with_key > 1',
             'duplicate_subscription_id'),
            ('account_id is not null and not has_accepted_account',
             'unknown_account_id'),
        ], carried='row_reasons')) }} as rejection_reasons
    from keyed

),

final as (

    select
        subscription_id,
        account_id,
        plan_id,
        started_at,
        trial_ends_at,
        ended_at,
        started_at_raw,
        trial_ends_at_raw,
        ended_at_raw,
        rejection_reasons
    from checked

)

select * from final
