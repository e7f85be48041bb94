-- A model of the host's own that reads nothing of arpu's, as most of a
-- data team's models do: it builds whatever arpu's input files hold.
with

final as (

    select
        2 as fiscal_year_start_month,
        'Europe/Berlin' as reporting_time_zone

)

select * from final
