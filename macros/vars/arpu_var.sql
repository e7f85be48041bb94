{#- The vars a host project (or `dbt build --vars`) sets, by their name
    without the `arpu_` prefix, with their defaults. One place for both:
    dbt_project.yml declares none of them, because a declared default would
    hide whether a host set the name, and arpu_var must know that to honour
    the deprecated names. src/arpu/project.py reads this block too. -#}
{% macro arpu_var_defaults() %}
    {%- set defaults -%}
# Folder of contract files (<table>.csv or <table>.parquet), DuckDB only.
billing_data_dir: demo_data
# Names of CSV files there whose lines end in both CRLF and LF, read with
# DuckDB's relaxed parser; `arpu build` and `arpu load` set it.
csv_files_with_mixed_line_endings: []
# Schema that holds the contract tables (on DuckDB: where they are loaded).
billing_schema: billing_raw
# YYYY-MM-DD; empty means the latest accepted paid/open invoice date.
as_of_date: ""
reporting_currency: USD
# Unit economics and alerts (docs/metrics.md sections 11 and 12).
gross_margin: 0.8
decline_threshold: 0.05
min_segment_accounts: 10
# SQL over invoice_line_items for `dbt source freshness`; empty means the
# contract's strict cast of coalesce(updated_at, invoice_date).
invoice_lines_loaded_at: ""
# `contract` (the contract tables) or `stripe` (Stripe as Fivetran lands it).
billing_source: contract
# Schema of the Fivetran Stripe tables (on DuckDB: where they are loaded).
stripe_schema: stripe_raw
# Keys of Stripe metadata (JSON) that carry the contract's columns.
stripe_employee_count_key: employee_count
stripe_industry_key: industry
stripe_acquisition_channel_key: acquisition_channel
stripe_tier_key: tier
stripe_tier_rank_key: tier_rank
stripe_pricing_model_key: pricing_model
    {%- endset -%}
    {{ return(fromyaml(defaults)) }}
{% endmacro %}


{% macro arpu_var(name) %}
    {%- set defaults = arpu.arpu_var_defaults() -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error(
            "arpu_var: no arpu var named '" ~ name ~ "'") }}
    {%- endif -%}
    {%- set unset = '__arpu_var_unset__' -%}
    {%- set value = var('arpu_' ~ name, unset) -%}
    {%- if value == unset -%}
        {#- The name before the prefix, read for one more version;
            warn_deprecated_vars says so at every run. -#}
        {%- set value = var(name, unset) -%}
    {%- endif -%}
    {%- if value == unset -%}
        {%- set value = defaults[name] -%}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- Whether the var is set (prefixed or not), not left to its default. -#}
{% macro arpu_var_is_set(name) %}
    {%- set unset = '__arpu_var_unset__' -%}
    {{ return(var('arpu_' ~ name, unset) != unset
        or var(name, unset) != unset) }}
{% endmacro %}


{% macro warn_deprecated_vars() %}
    {#- Only where the old name is read: set without its prefixed name, in
        a run of arpu's nodes (a host's own `as_of_date` in a run of its
        own models is none of arpu's business). -#}
    {%- if execute and arpu.arpu_nodes_selected() -%}
        {%- set unset = '__arpu_var_unset__' -%}
        {%- for name in arpu.arpu_var_defaults() -%}
            {%- if var(name, unset) != unset
                and var('arpu_' ~ name, unset) == unset -%}
                {% do exceptions.warn(
                    "arpu: the var '" ~ name ~ "' is deprecated and will be"
                    ~ " removed in the next minor version; set 'arpu_" ~ name
                    ~ "' instead (it is still read in this version;"
                    ~ " docs/dbt.md, vars).") %}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
