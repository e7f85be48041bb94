-- Recognized revenue over all months = net revenue of the lines that count,
-- for periods inside the reported range, to the cent (per line currency,
-- amounts in the reporting currency).
select *
from {{ ref('revenue_reconciliation') }}
where abs(unrecognized_amount) >= 0.005
