-- Every staged account row with its verdict (billing-contract.md, "Bad
-- input"): typed values, original text and rejection_reasons, NULL when the
-- row breaks nothing. Grain: one row per row of stg_billing__accounts. The
-- one place accounts are judged: later models read its rows through
-- the accepted() and rejected() macros (macros/contract/quarantine.sql), so the
-- rule is written, and the strict casts run, once.
with

accounts as (

    select * from {{ ref('stg_billing__accounts') }}

),

keyed as (

    select
        *,
        count(*) over (partition by account_id) as rows_with_key
    from accounts

),

checked as (

    select
        *,
        {{ finish_reasons(reason_codes(
            [('account_id is not null and rows_with_key > 1',
              'duplicate_account_id')],
            carried='row_reasons')) }} as rejection_reasons
    from keyed

),

final as (

    select
        account_id,
        account_name,
        country_code,
        industry,
        acquisition_channel,
        employee_count,
        is_test,
        created_at,
        employee_count_raw,
        is_test_raw,
        created_at_raw,
        rejection_reasons
    from checked

)

select * from final
