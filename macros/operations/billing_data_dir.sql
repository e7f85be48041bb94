{#- The folder of the input files: ARPU_BILLING_DATA_DIR, which `arpu build`
    and `arpu load` set, else arpu_var('billing_data_dir'). Read from the
    environment only when running: a var is part of dbt's saved parse, so
    that builds of different folders would each parse the whole project
    again (runner._shared_parse). -#}
{% macro billing_data_dir() %}
    {%- if execute and env_var('ARPU_BILLING_DATA_DIR', '') -%}
        {{ return(env_var('ARPU_BILLING_DATA_DIR')) }}
    {%- endif -%}
    {{ return(arpu_var('billing_data_dir')) }}
{% endmacro %}

{#- Whether the folder was named (the env var, or arpu_billing_data_dir or
    its deprecated name), not left to the default demo_data. -#}
{% macro billing_data_dir_is_set() %}
    {{ return(env_var('ARPU_BILLING_DATA_DIR', '') != ''
        or arpu.arpu_var_is_set('billing_data_dir')) }}
{% endmacro %}
