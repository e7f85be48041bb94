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
        {{ finish_reasons('row_reasons') }} as rejection_reasons,
        {{ finish_reasons('row_reasons') }} is null as is_accepted
    from spend

)

select * from final
