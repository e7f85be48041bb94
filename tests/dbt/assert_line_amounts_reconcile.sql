-- Per currency, raw invoice-line amount = accepted + rejected, to the cent,
-- and every readable row is either accepted or rejected, once. Exact
-- decimal sums (no double step), so the tolerance stays absolute. A
-- failing row names the currency, with the values compared.
with

reconciliation as (

    select * from {{ ref('revenue_reconciliation') }}

),

final as (

    select
        'revenue_reconciliation' as model_name,
        'currency' as segment_type,
        currency as segment_value,
        raw_rows,
        accepted_rows,
        rejected_rows,
        raw_amount,
        accepted_amount,
        rejected_amount,
        unexplained_amount
    from reconciliation
    where
        abs(unexplained_amount) >= 0.005
        or raw_rows != accepted_rows + rejected_rows

)

select * from final
