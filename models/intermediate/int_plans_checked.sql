-- Every staged plan row with its verdict: typed values, original text and
-- rejection_reasons (NULL = accepted). Grain: one row per row of
-- stg_billing__plans. The one place plans are judged: later models read it
-- through the accepted() and rejected() macros
-- (macros/contract/quarantine.sql).
with

plans as (

    select * from {{ ref('stg_billing__plans') }}

),

keyed as (

    select
        *,
        count(*) over (partition by plan_id) as rows_with_key
    from plans

),

checked as (

    select
        *,
        {{ finish_reasons(reason_codes(
            [('plan_id is not null and rows_with_key > 1',
              'duplicate_plan_id')],
            carried='row_reasons')) }} as rejection_reasons
    from keyed

),

final as (

    select
        plan_id,
        plan_name,
        tier,
        pricing_model,
        tier_rank,
        tier_rank_raw,
        rejection_reasons
    from checked

)

select * from final
