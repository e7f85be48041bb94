-- Recognized revenue over all months = net revenue of the lines that count,
-- for periods inside the reported range, to the cent (per line currency,
-- amounts in the reporting currency). A failing row names the currency,
-- with the values compared.
--
-- A line's monthly share is computed as a double (net * days / period
-- days), each share off by at most ~2.2e-16 of itself, so the shares of a
-- line add up to its net within ~2.2e-16 of the net, whatever the number
-- of months. The tolerance is a cent, or 1e-12 of the amounts compared when
-- that is more (above 5e9, where a cent is finer than a double carries):
-- 1e-12 leaves a margin of ~4,500 over the double error.
with

reconciliation as (

    select * from {{ ref('revenue_reconciliation') }}

),

final as (

    select
        'revenue_reconciliation' as model_name,
        'currency' as segment_type,
        currency as segment_value,
        counted_net_amount,
        recognized_revenue,
        unrecognized_amount
    from reconciliation
    where
        abs(unrecognized_amount) >= greatest(
            0.005,
            1e-12 * greatest(abs(counted_net_amount), abs(recognized_revenue))
        )

)

select * from final
