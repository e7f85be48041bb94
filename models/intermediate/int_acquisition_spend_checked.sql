-- Every staged acquisition spend row with its verdict: typed values,
-- original text and rejection_reasons (NULL = accepted; only staging's row
-- reasons apply). Grain: one row per row of stg_billing__acquisition_spend.
-- Later models read it through the accepted() and rejected() macros
-- (macros/contract/quarantine.sql).
with

spend as (

    select * from {{ ref('stg_billing__acquisition_spend') }}

),

final as (

    select
        acquisition_channel,
        amount,
        spend_month,
        amount_raw,
        spend_month_raw,
        {{ finish_reasons('row_reasons') }} as rejection_reasons
    from spend

)

select * from final
