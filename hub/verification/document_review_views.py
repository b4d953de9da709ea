"""Pages of the ``document_review`` verification method: the enterprise uploads its
documents and follows the review; the hub operator and the city platforms work through the
queue. Thin: forms validate, services act, selectors scope."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hub.errors import HubError
from hub.selectors.document_review import document_review_for_reviewer, document_review_latest
from hub.selectors.verification import document_reviews_pending_for
from hub.services.document_review import DECISIONS, documents_decide, documents_submit
from hub.services.verification import verification_of
from hub.verification.document_review_apis import document_response
from hub.web.access import role_required
from hub.web.forms import add_service_error, submit_to_service

QUEUE_PAGE_SIZE = 100
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class DocumentsForm(forms.Form):
    licence = forms.FileField(
        label=gettext_lazy("Business licence"),
        help_text=gettext_lazy("A PDF, JPEG or PNG scan or photo of the business licence."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    letter = forms.FileField(
        label=gettext_lazy("Letter of authorization"),
        required=False,
        help_text=gettext_lazy(
            "Only if you act as an agent: the letter signed by the legal representative (PDF, JPEG or PNG). "
            "Without it, you are verified as the legal representative."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(decision, decision) for decision in DECISIONS])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def documents(request):
    """The enterprise uploads its licence (and letter) and sees what became of its latest submission."""
    enterprise = request.user.organization
    form = DocumentsForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                documents_submit(
                    actor=request.user,
                    enterprise=enterprise,
                    licence=form.cleaned_data["licence"],
                    letter=form.cleaned_data.get("letter"),
                )
            except HubError as error:  # closed, already pending (409), too large (413), not PDF/JPEG/PNG (415)
                add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Your documents were submitted; a reviewer will decide soon."))
                return redirect("verification-documents")
        else:
            status = 400
    context = {
        "form": form,
        "verification": verification_of(enterprise),
        "review": document_review_latest(enterprise),
    }
    return render(request, "hub/verification/documents.html", context, status=status)


def _render_queue(request, *, failed_review_id: int | None = None, form: DecisionForm | None = None, status=200):
    reviews = list(document_reviews_pending_for(request.user).defer("licence", "letter")[:QUEUE_PAGE_SIZE])
    rows = [{"review": review, "form": form if review.pk == failed_review_id else DecisionForm()} for review in reviews]
    return render(request, "hub/verification/reviews.html", {"rows": rows}, status=status)


@role_required("operator", "platform")
@require_GET
def review_queue(request):
    """Submissions awaiting review, oldest first: the files to open, approve or reject."""
    return _render_queue(request)


@role_required("operator", "platform")
@require_POST
def review_decide(request, review_id: int):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_queue(request, failed_review_id=review_id, form=form, status=400)
    # The uploader (403), no reason (400), decided already (409): shown on the form.
    review, status = submit_to_service(form, documents_decide, actor=request.user, review_id=review_id)
    if review is None:
        return _render_queue(request, failed_review_id=review_id, form=form, status=status)
    if review.status == review.Status.APPROVED:
        message = _("The documents of %(name)s were approved.")
    else:
        message = _("The documents of %(name)s were rejected.")
    messages.success(request, message % {"name": review.enterprise.name})
    return redirect("verification-reviews")


@role_required("operator", "platform")
@require_GET
def review_document(request, review_id: int, document: str):
    """A file of a submission, shown in the browser; reviewers of its enterprise only."""
    review = document_review_for_reviewer(user=request.user, review_id=review_id)
    return document_response(review, document)
