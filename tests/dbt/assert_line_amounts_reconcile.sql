-- Per currency, raw invoice-line amount = accepted + rejected, to the cent,
-- and every readable row is either accepted or rejected, once.
select *
from {{ ref('revenue_reconciliation') }}
where
    abs(unexplained_amount) >= 0.005
    or raw_rows != accepted_rows + rejected_rows
