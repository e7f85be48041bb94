-- Every staged user row with its verdict: typed values, original text and
-- rejection_reasons (NULL = accepted). Grain: one row per row of
-- stg_billing__users. The one place users are judged: later models read it
-- through the accepted() and rejected() macros (macros/quarantine.sql).
with

users as (

    select * from {{ ref('stg_billing__users') }}

),

accepted_accounts as (

    {{ accepted('accounts', 'account_id') }}

),

keyed as (

    select
        users.*,
        accepted_accounts.account_id is not null as has_accepted_account,
        count(*) over (partition by users.user_id) as rows_with_key
    from users
    left join accepted_accounts
        on users.account_id = accepted_accounts.account_id

),

checked as (

    select
        *,
        {{ finish_reasons(reason_codes([
            ('user_id is not null and rows_with_key > 1',
             'duplicate_user_id'),
            ('account_id is not null and not has_accepted_account',
             'unknown_account_id'),
        ], carried='row_reasons')) }} as rejection_reasons
    from keyed

),

final as (

    select
        user_id,
        account_id,
        created_at,
        deactivated_at,
        -- Original text only on rejected rows, where the audit reads it.
        case
            when rejection_reasons is not null then created_at_raw
        end as created_at_raw,
        case
            when rejection_reasons is not null then deactivated_at_raw
        end as deactivated_at_raw,
        row_reasons,
        rejection_reasons
    from checked

)

select * from final
