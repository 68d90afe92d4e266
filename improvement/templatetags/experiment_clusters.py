from django import template

from improvement import cluster_text
from improvement.forms.experiment_clusters import ClusterUploadForm, RandomisationForm, SiteValuesUploadForm

register = template.Library()


@register.filter
def cluster_sentences(readout):
    return cluster_text.cluster_sentences(readout)


@register.filter
def before_after_sentence(did):
    return cluster_text.before_after_sentence(did)


@register.simple_tag
def cluster_upload_form():
    return ClusterUploadForm()


@register.simple_tag
def site_values_form():
    return SiteValuesUploadForm()


@register.simple_tag
def randomisation_form(experiment):
    return RandomisationForm(initial={"randomisation_unit": experiment.randomisation_unit})
